// Attaching a pod's network namespace to the CNI network (spec 0.4.0 and 1.0.0 lists): ADD runs the
// plugins in order, each given the previous result; DEL runs them in reverse with the cached ADD
// result, tolerating a namespace that is already gone. `lo` is brought up when the namespace is
// created (netns.ts), so no loopback plugin runs unless the list names one; records of older ADDs
// that ran it still get its DEL.
import { isNamespaceMount } from '../util/unmount.js';
import { execPlugin, CniPluginError, type CniInvocation } from './cni-exec.js';
import { findPlugin, type CniNetworkList, type CniPluginConf } from './cni-config.js';

export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

export interface CniAttachment {
  containerId: string;
  netns: string;
  ifName: string;
  args: string;
  portMappings: CniPortMapping[];
}

/** What a pod keeps of an ADD, to report IPs and to DEL later with the same config. */
export interface CniAddRecord {
  network: Omit<CniNetworkList, 'file'>;
  result: CniResult;
  /** The ADD also ran a separate loopback network (ADDs before lo came up with the namespace). */
  loopback: boolean;
}

export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number; version?: string }[];
  routes?: unknown[];
  dns?: unknown;
}

/** The plugin's config as it receives it: name and version, previous result, runtime config (pure). */
export function pluginConfig(net: Omit<CniNetworkList, 'file'>, plugin: CniPluginConf, prevResult: CniResult | undefined, a: Pick<CniAttachment, 'portMappings'>): object {
  const conf: Record<string, unknown> = { ...plugin, name: net.name, cniVersion: net.cniVersion };
  if (prevResult) conf.prevResult = prevResult;
  const caps = plugin.capabilities as Record<string, boolean> | undefined;
  if (caps?.portMappings && a.portMappings.length) conf.runtimeConfig = { portMappings: a.portMappings };
  delete conf.capabilities;
  return conf;
}

/** The pod's addresses from a result: those on interfaces inside the sandbox, IPv4 first (pure). */
export function podIPs(result: CniResult): string[] {
  const ifaces = result.interfaces ?? [];
  const ips = (result.ips ?? []).filter((ip) => ip.interface === undefined || ifaces[ip.interface]?.sandbox !== undefined && ifaces[ip.interface]?.sandbox !== '');
  const addrs = ips.map((ip) => ip.address.split('/')[0]!).filter((a) => a);
  const v4 = addrs.filter((a) => !a.includes(':'));
  const v6 = addrs.filter((a) => a.includes(':'));
  return [...new Set([...v4, ...v6])];
}

const LOOPBACK_NET = (version: string): Omit<CniNetworkList, 'file'> => ({ cniVersion: version, name: 'cni-loopback', plugins: [{ type: 'loopback' }] });

export class CniNetwork {
  constructor(
    readonly pluginDirs: readonly string[],
    readonly timeoutMs = 60_000,
  ) {}

  private async binary(type: string): Promise<string> {
    const b = await findPlugin(type, this.pluginDirs);
    if (!b) throw new CniPluginError(type, 'ADD', undefined, `CNI plugin "${type}" not found in ${this.pluginDirs.join(', ')}`);
    return b;
  }

  private inv(command: 'ADD' | 'DEL', a: CniAttachment, netns: string, ifName = a.ifName): CniInvocation {
    return { command, containerId: a.containerId, netns, ifName, args: a.args, pluginDirs: this.pluginDirs };
  }

  private async addList(net: Omit<CniNetworkList, 'file'>, a: CniAttachment, ifName: string): Promise<CniResult> {
    let prev: CniResult | undefined;
    for (const p of net.plugins) {
      const r = (await execPlugin(await this.binary(p.type), p.type, this.inv('ADD', a, a.netns, ifName), pluginConfig(net, p, prev, a), this.timeoutMs)) as CniResult | undefined;
      if (r) prev = r;
    }
    return prev ?? {};
  }

  /** DEL of every plugin in reverse order; all run even if one fails; the first error is thrown. */
  private async delList(net: Omit<CniNetworkList, 'file'>, a: CniAttachment, prev: CniResult | undefined, ifName: string): Promise<void> {
    // A namespace file that is no longer a mount (reboot, manual umount) is no namespace at all.
    const netns = a.netns && (await isNamespaceMount(a.netns)) ? a.netns : '';
    let first: unknown;
    for (const p of [...net.plugins].reverse()) {
      try {
        await execPlugin(await this.binary(p.type), p.type, this.inv('DEL', a, netns, ifName), pluginConfig(net, p, prev, a), this.timeoutMs);
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }

  /** ADD; on failure everything already added is deleted again and the plugin's error is thrown. */
  async add(net: Omit<CniNetworkList, 'file'>, a: CniAttachment): Promise<CniAddRecord> {
    try {
      const result = await this.addList(net, a, a.ifName);
      return { network: { cniVersion: net.cniVersion, name: net.name, plugins: net.plugins }, result, loopback: false };
    } catch (err) {
      await this.delList(net, a, undefined, a.ifName).catch(() => undefined);
      throw err;
    }
  }

  /** DEL with the record of the ADD (idempotent: plugins treat a missing attachment as done). */
  async del(rec: CniAddRecord, a: CniAttachment): Promise<void> {
    const prev = rec.result && Object.keys(rec.result).length ? rec.result : undefined;
    await this.delList(rec.network, a, prev, a.ifName);
    if (rec.loopback) await this.delList(LOOPBACK_NET(rec.network.cniVersion || '1.0.0'), a, undefined, 'lo').catch(() => undefined);
  }
}

// The network part of the engine: the current CNI network (re-read on every pod, so a config
// dropped in later is used), pinned namespaces, and the pod CIDR the kubelet hands over.
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { FailedPreconditionError } from '../errors/catalog.js';
import { loadNetworkConfig, ensureDefaultNetworkConfig } from './cni-config.js';
import { CniNetwork, type CniAddRecord, type CniPortMapping } from './cni.js';
import { kubernetesCniArgs } from './cni-exec.js';
import { createNetns, removeNetns } from './netns.js';

export interface PodNetworkIdentity {
  podId: string;
  namespace: string;
  name: string;
  uid: string;
}

export class PodNetwork {
  readonly cni: CniNetwork;
  readonly netnsDir: string;
  /** From UpdateRuntimeConfig; informational (the CNI config owns IP allocation). */
  podCidr = '';

  constructor(readonly config: Config) {
    this.cni = new CniNetwork(config.network.plugin_dirs, config.network.plugin_timeout_seconds * 1000);
    this.netnsDir = config.network.netns_dir || join(config.run_root, 'netns');
  }

  /** Writes the default network when configured to and conf_dir holds none. */
  async init(): Promise<string | undefined> {
    const n = this.config.network;
    if (!n.write_default_config) return undefined;
    return ensureDefaultNetworkConfig(n.conf_dir, {
      bridge: n.default_bridge,
      subnet: n.default_subnet,
      dataDir: join(this.config.root, 'cni', 'networks'),
    });
  }

  /** Where the pod's network namespace is pinned (known before it exists, so it can be recorded first). */
  netnsPath(podId: string): string {
    return join(this.netnsDir, `pod-${podId}`);
  }

  createNetns(podId: string): Promise<string> {
    return createNetns(this.netnsDir, `pod-${podId}`);
  }

  removeNetns(path: string): Promise<void> {
    return removeNetns(path);
  }


  /** CNI ADD of the pod's namespace to the first usable network. */
  async attach(who: PodNetworkIdentity, netns: string, portMappings: CniPortMapping[]): Promise<CniAddRecord> {
    const loaded = await loadNetworkConfig(this.config.network.conf_dir, this.config.network.plugin_dirs);
    if (!loaded.ok) throw new FailedPreconditionError(`network not ready: ${loaded.message}`);
    return this.cni.add(loaded.network, this.attachment(who, netns, portMappings));
  }

  /** CNI DEL with the ADD's own record (idempotent, also when the namespace is gone). */
  async detach(who: PodNetworkIdentity, netns: string, portMappings: CniPortMapping[], rec: CniAddRecord): Promise<void> {
    await this.cni.del(rec, this.attachment(who, netns, portMappings));
  }

  /** DEL after an ADD whose result was never recorded (a crash in between). */
  async detachUnrecorded(who: PodNetworkIdentity, netns: string, portMappings: CniPortMapping[]): Promise<void> {
    const loaded = await loadNetworkConfig(this.config.network.conf_dir, this.config.network.plugin_dirs);
    if (!loaded.ok) return; // nothing to DEL with; the namespace goes away with the pod
    const { file: _file, ...network } = loaded.network;
    const rec: CniAddRecord = { network, result: {}, loopback: false };
    await this.cni.del(rec, this.attachment(who, netns, portMappings));
  }

  private attachment(who: PodNetworkIdentity, netns: string, portMappings: CniPortMapping[]) {
    return {
      containerId: who.podId,
      netns,
      ifName: 'eth0',
      args: kubernetesCniArgs({ namespace: who.namespace, name: who.name, infraId: who.podId, uid: who.uid }),
      portMappings,
    };
  }
}

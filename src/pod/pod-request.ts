// RunPodSandbox input checked up front and turned into the pod's settings (pure, except for
// reading a Localhost seccomp profile): bad input is refused before anything is created.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { LinuxSandboxSecurityContext__Output } from '../gen/runtime/v1/LinuxSandboxSecurityContext.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { userNamespaceRequest, type UserNamespaceMappings } from './userns.js';
import { hasControlChar } from '../util/control-chars.js';
import type { OciSeccomp } from '../oci/spec/types.js';
import type { CniPortMapping } from '../network/cni.js';
import { podSysctls } from './sysctls.js';
import { invalidDnsValue, validHostname } from './dns.js';
import { infraSeccompProfile } from './infra-spec.js';
import type { NamespaceModeName, PodNamespaces } from './types.js';

export interface PodSettings {
  namespaces: PodNamespaces;
  sysctls: Record<string, string>;
  portMappings: CniPortMapping[];
  privileged: boolean;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** What to load: none (unconfined), the built-in/configured default, or a file. */
  seccomp: { kind: 'unconfined' } | { kind: 'default' } | { kind: 'file'; path: string };
  /** userns_options mode POD: the pod's own user namespace with these mappings. */
  userns?: UserNamespaceMappings;
}

/** The key that makes pod metadata unique (the kubelet's sandbox name). */
export function podNameKey(m: { name: string; namespace: string; uid: string; attempt: number }): string {
  return `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

function mode(m: string | number | undefined, what: string): NamespaceModeName {
  if (m === undefined || m === 'POD') return 'POD';
  if (m === 'NODE' || m === 'CONTAINER' || m === 'TARGET') return m;
  // An enum value this runtime does not know: never silently the pod's own namespace.
  throw new InvalidArgumentError(`namespace_options.${what} ${JSON.stringify(m)} is not a namespace mode (POD, CONTAINER, NODE, TARGET)`);
}

/**
 * The pod's log directory: containers' logs are written below it, so it must say plainly where
 * (absolute, no '..' or '.', no control characters) and lie outside the state roots (a log file
 * named like a record would overwrite it), but for `<root>/pod-logs/…`, where the CLI's pods log.
 */
export function checkLogDirectory(dir: string, stateRoots: readonly string[]): void {
  if (!dir) return;
  if (!dir.startsWith('/') || hasControlChar(dir) || dir.split('/').some((c) => c === '..' || c === '.')) {
    throw new InvalidArgumentError(`log_directory ${JSON.stringify(dir.slice(0, 300))} must be an absolute path without '..', '.' or control characters`);
  }
  const d = dir.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  if (stateRoots[0] && d.startsWith(`${stateRoots[0]}/pod-logs/`)) return;
  for (const r of stateRoots) {
    if (d === r || d.startsWith(r + '/') || r.startsWith(d === '/' ? '/' : d + '/')) {
      throw new InvalidArgumentError(`log_directory "${dir}" overlaps the runtime's state directory ${r}`);
    }
  }
}

function int(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError(`${what} "${v}" is not a valid id`);
  return Number(v);
}

export function seccompChoice(sc: LinuxSandboxSecurityContext__Output | null): PodSettings['seccomp'] {
  if (!sc) return { kind: 'unconfined' };
  if (sc.seccomp) {
    const t = sc.seccomp.profile_type;
    if (t === 'Unconfined') return { kind: 'unconfined' };
    if (t !== 'RuntimeDefault' && t !== 'Localhost') throw new InvalidArgumentError(`seccomp profile_type ${JSON.stringify(t)} is not RuntimeDefault, Unconfined or Localhost`);
    if (t === 'Localhost') {
      const ref = sc.seccomp.localhost_ref;
      if (!ref.startsWith('/')) throw new InvalidArgumentError(`seccomp localhost_ref "${ref}" must be an absolute path`);
      return { kind: 'file', path: ref };
    }
    return { kind: 'default' };
  }
  const p = sc.seccomp_profile_path;
  if (!p || p === 'unconfined') return { kind: 'unconfined' };
  if (p === 'runtime/default' || p === 'docker/default') return { kind: 'default' };
  if (p.startsWith('localhost/')) {
    const path = p.slice('localhost/'.length);
    if (!path.startsWith('/')) throw new InvalidArgumentError(`seccomp profile "${p}" must name an absolute path`);
    return { kind: 'file', path };
  }
  throw new InvalidArgumentError(`seccomp profile "${p}" is not understood (runtime/default, unconfined or localhost/<path>)`);
}

export function podSettings(config: PodSandboxConfig__Output | null, stateRoots: readonly string[] = []): PodSettings {
  if (!config) throw new InvalidArgumentError('config is required');
  const m = config.metadata;
  if (!m || !m.name || !m.namespace || !m.uid) throw new InvalidArgumentError('metadata.name, metadata.namespace and metadata.uid are required');
  for (const [k, v] of [['name', m.name], ['namespace', m.namespace], ['uid', m.uid]] as const) {
    if (v.length > 253 || /[\s/\0]/.test(v) || v === '.' || v === '..') throw new InvalidArgumentError(`metadata.${k} "${v.slice(0, 300)}" is longer than 253 characters, contains whitespace or '/', or is '.' or '..'`);
  }
  if (config.hostname && !validHostname(config.hostname)) throw new InvalidArgumentError(`hostname "${config.hostname}" is not a valid host name`);
  if (config.log_directory && !config.log_directory.startsWith('/')) throw new InvalidArgumentError(`log_directory "${config.log_directory}" must be absolute`);
  checkLogDirectory(config.log_directory, stateRoots);
  if (config.dns_config) {
    const bad = invalidDnsValue(config.dns_config);
    if (bad !== undefined) throw new InvalidArgumentError(`dns_config value "${bad}" is not allowed (empty or contains whitespace, '#' or ';')`);
  }
  const sc = config.linux?.security_context ?? null;
  const nso = sc?.namespace_options;
  const pidMode = mode(nso?.pid ?? 'CONTAINER', 'pid');
  const namespaces: PodNamespaces = { network: mode(nso?.network, 'network'), pid: pidMode === 'POD' || pidMode === 'NODE' ? pidMode : 'CONTAINER', ipc: mode(nso?.ipc, 'ipc') };
  if (namespaces.network === 'CONTAINER' || namespaces.network === 'TARGET') namespaces.network = 'POD';
  if (namespaces.ipc === 'CONTAINER' || namespaces.ipc === 'TARGET') namespaces.ipc = 'POD';
  if (nso?.pid === 'TARGET') throw new InvalidArgumentError('pid namespace mode TARGET is for containers, not pods');
  const userns = userNamespaceRequest(nso?.userns_options ?? null);
  if (userns && namespaces.network === 'NODE') throw new InvalidArgumentError('userns_options mode POD with host networking is not supported (the kubelet refuses hostUsers: false with hostNetwork)');
  // A privileged pod gets the host's devices and capabilities: meaningless in a user namespace (the kubelet refuses it too).
  if (userns && sc?.privileged) throw new InvalidArgumentError('userns_options mode POD with a privileged pod is not supported (the kubelet refuses hostUsers: false with privileged)');
  // The infra process gets no groups from any /etc/group: Merge and Strict are alike for it.
  const policy = sc?.supplemental_groups_policy;
  if (policy !== undefined && policy !== 'Merge' && policy !== 'Strict') throw new InvalidArgumentError(`supplemental_groups_policy ${JSON.stringify(policy)} is not Merge or Strict`);

  const portMappings: CniPortMapping[] = [];
  for (const p of config.port_mappings) {
    if (p.container_port <= 0 || p.container_port > 65535) throw new InvalidArgumentError(`port mapping container_port ${p.container_port} is out of range`);
    if (p.host_port < 0 || p.host_port > 65535) throw new InvalidArgumentError(`port mapping host_port ${p.host_port} is out of range`);
    if (p.host_ip && !isIP(p.host_ip)) throw new InvalidArgumentError(`port mapping host_ip "${p.host_ip}" is not an IP address`);
    if (p.protocol !== 'TCP' && p.protocol !== 'UDP' && p.protocol !== 'SCTP') throw new InvalidArgumentError(`port mapping protocol ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
    if (p.host_port === 0 || namespaces.network === 'NODE') continue; // declared only / already on the host
    const protocol = p.protocol.toLowerCase() as CniPortMapping['protocol'];
    portMappings.push({ hostPort: p.host_port, containerPort: p.container_port, protocol, ...(p.host_ip ? { hostIP: p.host_ip } : {}) });
  }

  return {
    namespaces,
    sysctls: podSysctls(config.linux?.sysctls ?? {}, namespaces),
    portMappings,
    privileged: !!sc?.privileged,
    uid: int(sc?.run_as_user?.value, 'run_as_user') ?? 0,
    gid: int(sc?.run_as_group?.value, 'run_as_group') ?? 0,
    additionalGids: (sc?.supplemental_groups ?? []).map((g) => int(g, 'supplemental group')!),
    seccomp: sc?.privileged ? { kind: 'unconfined' } : seccompChoice(sc),
    ...(userns ? { userns } : {}),
  };
}

/** Loads the seccomp profile a pod asked for (the built-in one unless configured). */
export async function loadSeccomp(choice: PodSettings['seccomp'], configuredDefault: string): Promise<OciSeccomp | undefined> {
  if (choice.kind === 'unconfined') return undefined;
  const path = choice.kind === 'file' ? choice.path : configuredDefault;
  if (!path) return infraSeccompProfile();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`seccomp profile ${path} cannot be read`, { cause: err });
  }
  try {
    const p = JSON.parse(text) as OciSeccomp;
    if (typeof p.defaultAction !== 'string') throw new Error('no defaultAction');
    return { defaultAction: p.defaultAction, ...(p.architectures ? { architectures: p.architectures } : {}), ...(p.syscalls ? { syscalls: p.syscalls } : {}), ...(p.flags ? { flags: p.flags } : {}), ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}) };
  } catch (err) {
    throw new InvalidArgumentError(`seccomp profile ${path} is not a valid profile: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

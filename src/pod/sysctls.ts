// Namespaced sysctls a pod may set (as the kubelet and runc allow): IPC ones need the pod's own
// IPC namespace, net.* its own network namespace.
import { InvalidArgumentError } from '../errors/catalog.js';
import type { PodNamespaces } from './types.js';

const IPC_EXACT = new Set(['kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced', 'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni']);

/** `net/ipv4/ip_forward` and `net.ipv4.ip_forward` are the same sysctl (the kubelet allows both). */
export function normalizeSysctlName(name: string): string {
  // With slashes as separators, dots inside a component (an interface name) stay dots.
  return name.includes('/') ? name.split('/').join('.') : name;
}

export function sysctlKind(name: string): 'ipc' | 'net' | undefined {
  if (IPC_EXACT.has(name) || name.startsWith('kernel.shm') || name.startsWith('kernel.msg') || name.startsWith('fs.mqueue.')) return 'ipc';
  if (name.startsWith('net.')) return 'net';
  return undefined;
}

/** Validated, normalized sysctls for the infra spec; InvalidArgument naming the first bad one. */
export function podSysctls(sysctls: Record<string, string>, ns: PodNamespaces): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(sysctls)) {
    const name = normalizeSysctlName(raw);
    if (!/^[a-z0-9_.-]+$/i.test(name) || name.includes('..')) throw new InvalidArgumentError(`sysctl "${raw}": not a valid name`);
    if (/[\n\0]/.test(value)) throw new InvalidArgumentError(`sysctl "${raw}": value contains a newline or NUL`);
    const kind = sysctlKind(name);
    if (!kind) throw new InvalidArgumentError(`sysctl "${raw}" is not namespaced; only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.* can be set per pod`);
    if (kind === 'net' && ns.network === 'NODE') throw new InvalidArgumentError(`sysctl "${raw}" cannot be set for a pod on the host network`);
    if (kind === 'ipc' && ns.ipc === 'NODE') throw new InvalidArgumentError(`sysctl "${raw}" cannot be set for a pod in the host IPC namespace`);
    out[name] = value;
  }
  return out;
}

/** What the `pod.enable_unprivileged_ports` / `pod.enable_unprivileged_icmp` keys turn on. */
export interface UnprivilegedDefaults {
  enable_unprivileged_ports: boolean;
  enable_unprivileged_icmp: boolean;
}

/**
 * The pod's sysctls with containerd 2.x's defaults added for a pod with its own network namespace:
 * `net.ipv4.ip_unprivileged_port_start=0` (any process may bind a port below 1024 in the pod's
 * own network namespace: docker does the same since 20.10) and `net.ipv4.ping_group_range` open to
 * every group (ping without CAP_NET_RAW). Without the first, root in a user-namespaced pod cannot
 * bind port 80: the network namespace belongs to the host's user namespace, so its capabilities
 * do not reach it (nginx failed with `bind() to 0.0.0.0:80 failed (13: Permission denied)`).
 * A value the pod sets itself wins; a host-network pod gets none.
 */
export function withUnprivilegedDefaults(sysctls: Record<string, string>, ns: PodNamespaces, o: UnprivilegedDefaults): Record<string, string> {
  if (ns.network === 'NODE') return sysctls;
  const out = { ...sysctls };
  if (o.enable_unprivileged_ports) out['net.ipv4.ip_unprivileged_port_start'] ??= '0';
  if (o.enable_unprivileged_icmp) out['net.ipv4.ping_group_range'] ??= '0 2147483647';
  return out;
}

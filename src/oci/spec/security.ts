// Privilege: capabilities, privileged mode, no_new_privs, read-only root, masked and read-only paths.
import { InvalidArgumentError } from '../../errors/catalog.js';
import { ALL_CAPABILITIES } from './defaults.js';
import type { HostDevice } from './devices.js';
import { withDevices } from './devices.js';
import type { SpecOpt } from './types.js';

/** "chown", "CAP_CHOWN", "cap_chown" → "CAP_CHOWN"; "ALL" stays "ALL". */
export function normalizeCapability(c: string): string {
  const up = c.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!/^CAP_[A-Z_]+$/.test(name)) throw new InvalidArgumentError(`invalid capability "${c}"`);
  // An unknown name would reach the runtime, which drops it with a warning nobody reads.
  if (!(ALL_CAPABILITIES as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown capability "${c}"`);
  return name;
}

/**
 * The capability set (containerd's order): start from the defaults; `ALL` in add gives every
 * capability, `ALL` in drop removes every one; then single adds, then single drops.
 */
export function computeCapabilities(defaults: string[], add: string[], drop: string[], available: readonly string[] = ALL_CAPABILITIES): string[] {
  const a = add.map(normalizeCapability);
  const d = drop.map(normalizeCapability);
  let caps = defaults.map(normalizeCapability);
  if (a.includes('ALL')) caps = [...available];
  if (d.includes('ALL')) caps = [];
  for (const c of a) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  caps = caps.filter((c) => !d.includes(c));
  return caps;
}

export function withCapabilities(caps: string[]): SpecOpt {
  return (s) => {
    // Inheritable and ambient stay empty: an exec'd setcap binary must not gain more (CVE-2022-24769).
    s.process.capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  };
}

/** Capability names from a /proc/<pid>/status mask such as CapBnd ("000001fffeffffff"). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  return ALL_CAPABILITIES.filter((_c, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * Privileged: every capability the daemon itself holds (as containerd's WithAllCurrentCapabilities:
 * the runtime cannot grant more), every host device, writable /sys and cgroup tree, no masked or
 * read-only paths. Seccomp is left off by the caller.
 */
export function withPrivileged(hostDevices: HostDevice[], available: readonly string[] = ALL_CAPABILITIES): SpecOpt {
  return (s) => {
    withCapabilities([...available])(s);
    s.linux.maskedPaths = [];
    s.linux.readonlyPaths = [];
    for (const m of s.mounts) {
      if (m.type === 'sysfs' || m.type === 'cgroup') m.options = (m.options ?? []).map((o) => (o === 'ro' ? 'rw' : o));
    }
    s.linux.resources = { ...s.linux.resources, devices: [{ allow: true, access: 'rwm' }] };
    withDevices(hostDevices)(s);
    s.linux.resources.devices = [{ allow: true, access: 'rwm' }];
  };
}

/**
 * no_new_privs: what the request asks, or the configured default (runtime.no_new_privileges)
 * for containers that may go without escalation: not privileged ones nor those holding
 * CAP_SYS_ADMIN, for which Kubernetes requires allowPrivilegeEscalation.
 */
export function effectiveNoNewPrivs(requested: boolean, defaultOn: boolean, privileged: boolean, caps: readonly string[]): boolean {
  return requested || (defaultOn && !privileged && !caps.includes('CAP_SYS_ADMIN'));
}

export function withNoNewPrivileges(on: boolean): SpecOpt {
  return (s) => {
    s.process.noNewPrivileges = on;
  };
}

export function withReadonlyRootfs(on: boolean): SpecOpt {
  return (s) => {
    s.root.readonly = on;
  };
}

/** The configured defaults (runtime.masked_paths, runtime.readonly_paths) in place of the built-in ones. */
export function withDefaultMaskedPaths(masked: readonly string[], readonly: readonly string[]): SpecOpt {
  return (s) => {
    s.linux.maskedPaths = [...masked];
    s.linux.readonlyPaths = [...readonly];
  };
}

/** The CRI lists replace the defaults when given (an empty list keeps the defaults, as the kubelet means). */
export function withMaskedPaths(masked: string[], readonly: string[]): SpecOpt {
  return (s) => {
    if (masked.length) s.linux.maskedPaths = [...masked];
    if (readonly.length) s.linux.readonlyPaths = [...readonly];
  };
}

/** Namespaced sysctls from the pod (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*). */
export function withSysctls(sysctls: Record<string, string>, hostNetwork: boolean, hostIpc: boolean): SpecOpt {
  return (s) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(sysctls)) {
      const ipc = /^(kernel\.(shm|msg|sem)|fs\.mqueue\.)/.test(k);
      const net = k.startsWith('net.');
      if (!ipc && !net) throw new InvalidArgumentError(`sysctl "${k}" is not namespaced`);
      if ((net && hostNetwork) || (ipc && hostIpc)) throw new InvalidArgumentError(`sysctl "${k}" cannot be set in the host's namespace`);
      out[k] = v;
    }
    if (Object.keys(out).length) s.linux.sysctl = out;
  };
}

export type ApparmorChoice = { type: 'RuntimeDefault' } | { type: 'Unconfined' } | { type: 'Localhost'; profile: string };

/** From the CRI fields: the structured `apparmor` wins over the deprecated `apparmor_profile`. */
export function apparmorFromCri(apparmor: { profile_type: string; localhost_ref: string } | null, legacy: string): ApparmorChoice {
  if (apparmor && (apparmor.profile_type !== 'RuntimeDefault' || apparmor.localhost_ref)) {
    if (apparmor.profile_type === 'Unconfined') return { type: 'Unconfined' };
    if (apparmor.profile_type === 'Localhost') {
      if (!apparmor.localhost_ref) throw new InvalidArgumentError('apparmor Localhost needs localhost_ref');
      return { type: 'Localhost', profile: apparmor.localhost_ref };
    }
  }
  if (legacy === 'unconfined') return { type: 'Unconfined' };
  if (legacy.startsWith('localhost/')) return { type: 'Localhost', profile: legacy.slice('localhost/'.length) };
  return { type: 'RuntimeDefault' };
}

/**
 * A Localhost profile is applied by name; it cannot be honoured on a host without AppArmor, so
 * that is an error rather than a silently weaker container. RuntimeDefault has no profile of its
 * own here (the host's default confinement applies).
 */
export function withApparmor(choice: ApparmorChoice, hostEnabled: boolean): SpecOpt {
  return (s) => {
    if (choice.type !== 'Localhost') return;
    if (!hostEnabled) throw new InvalidArgumentError(`apparmor profile "${choice.profile}" requested, but AppArmor is not enabled on this host`);
    s.process.apparmorProfile = choice.profile;
  };
}

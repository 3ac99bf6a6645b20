// Defaults every container starts from: the same choices as containerd's CRI plugin (mounts,
// masked and read-only paths, device cgroup rules), so workloads see what they see elsewhere.
import type { OciDeviceCgroup, OciMount, OciSpec } from './types.js';

export const OCI_VERSION = '1.1.0';
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every capability the kernel knows (up to 6.x), for privileged containers and `ALL`. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  // Interrupt counts per CPU leak what other tenants do (moby GHSA-6fw5-f8r9-fgfm, docker 28.x).
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The kernel file systems of every container; /sys and the cgroup tree read-only unless privileged. */
export function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

/** Device cgroup: deny everything, then allow what every container needs (as containerd/runc). */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  const c = (major: number | undefined, minor: number | undefined, access: string): OciDeviceCgroup => {
    const r: OciDeviceCgroup = { allow: true, type: 'c', access };
    if (major !== undefined) r.major = major;
    if (minor !== undefined) r.minor = minor;
    return r;
  };
  return [
    { allow: false, access: 'rwm' },
    c(undefined, undefined, 'm'),
    { allow: true, type: 'b', access: 'm' },
    c(1, 3, 'rwm'), // /dev/null
    c(1, 8, 'rwm'), // /dev/random
    c(1, 7, 'rwm'), // /dev/full
    c(5, 0, 'rwm'), // /dev/tty
    c(1, 5, 'rwm'), // /dev/zero
    c(1, 9, 'rwm'), // /dev/urandom
    c(5, 1, 'rwm'), // /dev/console
    c(136, undefined, 'rwm'), // /dev/pts/*
    c(5, 2, 'rwm'), // /dev/ptmx
    c(10, 200, 'rwm'), // /dev/net/tun
  ];
}

/** The starting point before any option: no capabilities, no namespaces, the defaults above. */
export function baseSpec(rootfs: string): OciSpec {
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [],
      env: [DEFAULT_PATH],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [] },
      noNewPrivileges: false,
    },
    root: { path: rootfs, readonly: false },
    mounts: defaultMounts(),
    annotations: {},
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      resources: { devices: defaultDeviceRules() },
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}

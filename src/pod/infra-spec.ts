// The pod infra container's OCI spec (pure): a tiny init (catatonit, bind-mounted read-only from
// the host onto an empty read-only root) that holds the pod's network, IPC, UTS and PID
// namespaces. It needs no capabilities; it carries the pod's sysctls (the runtime applies them
// inside the namespaces) and sits in the pod's cgroup.
import type { OciNamespace, OciSeccomp, OciSpec } from '../oci/spec/types.js';
import { baseSpec, ALL_CAPABILITIES } from '../oci/spec/defaults.js';
import type { PodNamespaces } from './types.js';

export const INFRA_INIT_PATH = '/.rktlet/catatonit';
/** kubelet gives the pause container this score; clamped to the daemon's own when restricted. */
export const INFRA_OOM_SCORE_ADJ = -998;

export interface InfraSpecInput {
  podId: string;
  /** Absolute path of the (empty) root directory. */
  rootfs: string;
  /** Host path of the init binary (bind-mounted onto the empty root). */
  infraInit: string;
  /** A pause image's process instead (its root filesystem is rootfs; nothing is bind-mounted). */
  image?: { args: string[]; env: string[]; cwd: string };
  hostname: string;
  namespaces: PodNamespaces;
  /** Pinned netns file joined by the infra ('' with host networking). */
  netnsPath: string;
  sysctls: Record<string, string>;
  cgroupsPath: string;
  privileged: boolean;
  /** The capabilities a privileged infra gets: the daemon's own bounding set (default: all). */
  privilegedCapabilities?: readonly string[];
  uid: number;
  gid: number;
  additionalGids: number[];
  /** undefined: unconfined. */
  seccomp: OciSeccomp | undefined;
  oomScoreAdj: number;
  /** The pod's /dev/shm source ('' with host IPC: the infra gets a private tmpfs). */
  shmPath: string;
  annotations: Record<string, string>;
}

export function infraSpec(i: InfraSpecInput): OciSpec {
  const spec = baseSpec(i.rootfs);
  spec.root.readonly = true;
  spec.process.args = i.image ? [...i.image.args] : [INFRA_INIT_PATH, '-P'];
  if (i.image) {
    if (i.image.env.length) spec.process.env = [...i.image.env];
    spec.process.cwd = i.image.cwd || '/';
  }
  spec.process.user = { uid: i.uid, gid: i.gid, ...(i.additionalGids.length ? { additionalGids: [...i.additionalGids] } : {}) };
  spec.process.noNewPrivileges = !i.privileged;
  spec.process.oomScoreAdj = i.oomScoreAdj;
  const caps = i.privileged ? [...(i.privilegedCapabilities ?? ALL_CAPABILITIES)] : [];
  spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps };

  if (!i.image) spec.mounts.push({ destination: INFRA_INIT_PATH, type: 'bind', source: i.infraInit, options: ['rbind', 'ro', 'nosuid', 'nodev'] });
  if (i.shmPath) spec.mounts.push({ destination: '/dev/shm', type: 'bind', source: i.shmPath, options: ['rbind', 'rw', 'nosuid', 'nodev', 'noexec'] });
  else spec.mounts.push({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] });

  const ns: OciNamespace[] = [{ type: 'mount' }];
  if (i.namespaces.network !== 'NODE') ns.push({ type: 'network', path: i.netnsPath });
  // The UTS namespace follows the network: a host-network pod has the node's hostname.
  if (i.namespaces.network !== 'NODE') ns.push({ type: 'uts' });
  if (i.namespaces.ipc !== 'NODE') ns.push({ type: 'ipc' });
  if (i.namespaces.pid !== 'NODE') ns.push({ type: 'pid' });
  spec.linux.namespaces = ns;
  if (i.namespaces.network !== 'NODE') spec.hostname = i.hostname;

  spec.linux.cgroupsPath = i.cgroupsPath;
  if (Object.keys(i.sysctls).length) spec.linux.sysctl = { ...i.sysctls };
  if (i.privileged) {
    spec.linux.maskedPaths = [];
    spec.linux.readonlyPaths = [];
    for (const m of spec.mounts) if (m.type === 'sysfs' || m.type === 'cgroup') m.options = (m.options ?? []).filter((o) => o !== 'ro');
    if (spec.linux.resources) spec.linux.resources.devices = [{ allow: true, access: 'rwm' }];
  } else if (i.seccomp) {
    spec.linux.seccomp = i.seccomp;
  }
  spec.annotations = {
    ...i.annotations,
    'io.kubernetes.cri.container-type': 'sandbox',
    'io.kubernetes.cri.sandbox-id': i.podId,
  };
  return spec;
}

/**
 * The infra's RuntimeDefault profile: everything a tiny init needs is allowed, the syscalls that
 * change the host, load code into the kernel or escape namespaces are refused with EPERM.
 */
export function infraSeccompProfile(): OciSeccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls: [
      {
        names: [
          'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module',
          'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms', 'init_module', 'ioperm', 'iopl', 'kcmp',
          'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount',
          'nfsservctl', 'open_by_handle_at', 'open_tree', 'perf_event_open', 'pivot_root', 'process_vm_readv',
          'process_vm_writev', 'ptrace', 'query_module', 'quotactl', 'reboot', 'request_key', 'setns', 'settimeofday',
          'swapoff', 'swapon', 'sysfs', 'umount', 'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
        ],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: 1,
      },
    ],
  };
}

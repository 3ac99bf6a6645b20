// What the rest of the runtime (containers, stats, streaming, CLI) may know about a pod.
// PodRecord is also the on-disk shape of <root>/pods/<id>/pod.json (the truth; memory is an index).
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import type { CniAddRecord, CniPortMapping } from '../network/cni.js';
import type { PinnedNamespaces } from './pinned-namespaces.js';
import type { UserNamespaceMappings } from './userns.js';

export type PodState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** How the pod shares a namespace: its own (POD), per container (CONTAINER) or the host's (NODE). */
export type NamespaceModeName = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface PodNamespaces {
  network: NamespaceModeName;
  pid: NamespaceModeName;
  ipc: NamespaceModeName;
}

export interface PodRecord {
  /** 64 hex characters; also the infra container's id in the OCI runtime. */
  id: string;
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  /** The CRI config as received (labels, annotations, DNS, ports, linux options, …). */
  config: PodSandboxConfig__Output;
  state: PodState;
  /** Nanoseconds since the epoch (decimal string, as int64 on the wire). */
  createdAtNs: string;
  /** The RuntimeClass handler name as resolved ('' never: the default is written out). */
  runtimeHandler: string;
  namespaces: PodNamespaces;
  /** The pinned network namespace file; '' with host networking. */
  netnsPath: string;
  /** The infra process' pid on the host (containers join /proc/<pid>/ns/{ipc,uts,pid}); 0: none. */
  infraPid: number;
  /**
   * Set when the pod runs without an infra process (pod.drop_infra): its IPC and UTS namespaces
   * pinned as files ('' for the host's). Such a pod is READY until stopped.
   */
  pinnedNamespaces?: PinnedNamespaces;
  /** userns_options mode POD: the kubelet's mappings (the pinned user namespace has them). */
  userns?: UserNamespaceMappings;
  /** The infra's start time (/proc/<pid>/stat field 22), to tell it from a reused pid. */
  infraStartTime: string;
  /** The infra's OCI bundle (holds config.json, conmon.pid). */
  infraBundle: string;
  /** With pod.pause_image: the image ID the infra runs (its rootfs is the snapshot keyed by the pod id). */
  infraImage?: string;
  /**
   * The pod's cgroup: a cgroupfs path (`/rktlet/pod-<id>`, or the kubelet's parent) or, with the
   * systemd driver, a slice name (`kubepods-besteffort-pod<uid>.slice`). Containers go beneath it.
   */
  cgroupParent: string;
  /** The infra's cgroupsPath as given to the runtime. */
  infraCgroupsPath: string;
  /** Files bind-mounted into every container of the pod. */
  resolvConfPath: string;
  hostsPath: string;
  hostnamePath: string;
  /** The pod's /dev/shm (a tmpfs, or the host's /dev/shm with host IPC). */
  shmPath: string;
  hostname: string;
  logDirectory: string;
  /** Primary first. */
  ips: string[];
  /** The CNI ADD result and network config, kept for DEL. */
  cni?: CniAddRecord;
  /** Set (on disk) while an ADD is in flight: a crash then still gets a DEL with the current config. */
  cniPending?: boolean;
  portMappings: CniPortMapping[];
  /** Exit-file dir and attach-socket dir used by the infra's conmon. */
  exitDir: string;
  socketDir: string;
}

/** Hooks the container part provides so StopPodSandbox/RemovePodSandbox reach the pod's containers. */
export interface PodContainers {
  /** Stops every container of the pod (idempotent). */
  stopAll(podId: string): Promise<void>;
  /** Removes every container of the pod (idempotent). */
  removeAll(podId: string): Promise<void>;
}

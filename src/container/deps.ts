// What the container service needs from the rest of the engine: pods, images, root filesystems,
// the OCI runtime per handler. Kept as small interfaces so the service can be tested and wired
// independently of how those parts are built.
import type { UserNamespaceMappings } from '../pod/userns.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { EventBus } from '../events/bus.js';
import type { ImageLookup } from '../image/types.js';
import type { Snapshotter } from '../snapshot/types.js';
import type { OciRuntime } from '../oci/runtime.js';
import type { HandlerFeatures } from '../oci/handler-features.js';

/** The facts about a pod that its containers need. */
export interface PodView {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  /** Only a ready pod accepts new containers. */
  ready: boolean;
  runtimeHandler: string;
  hostNetwork: boolean;
  hostIpc: boolean;
  hostPid: boolean;
  /** The pod's own security context is privileged: only then may its containers be. */
  privileged: boolean;
  netnsPath: string;
  /** The infra process: its namespaces are the pod's IPC/UTS/PID namespaces (0: no infra). */
  infraPid: number;
  /** Pods without an infra: their pinned IPC and UTS namespace files ('' for the host's). */
  ipcNsPath?: string;
  utsNsPath?: string;
  /** A user-namespaced pod (userns_options POD): its pinned user namespace and the kubelet's mappings. */
  userns?: { path: string } & UserNamespaceMappings;
  /** The pod's cgroup; containers get <cgroupParent>/<id> (cgroupfs) or a scope (systemd). */
  cgroupParent: string;
  hostsPath: string;
  resolvConfPath: string;
  hostnamePath: string;
  shmPath: string;
  logDirectory: string;
  hostname: string;
  sysctls: Record<string, string>;
}

export interface PodLookup {
  get(id: string): PodView | undefined;
  /** Runs fn under the pod's lock, so a create cannot race StopPodSandbox/RemovePodSandbox. */
  withLock?<T>(id: string, fn: () => Promise<T>): Promise<T>;
}

export interface ContainerDeps {
  config: Config;
  log: Logger;
  events: EventBus;
  images: ImageLookup;
  snapshots: Snapshotter;
  pods: PodLookup;
  /** The OCI runtime for a RuntimeClass handler name. */
  runtime(handler: string): OciRuntime;
  /** What a handler can do on this host (src/oci/handler-features.ts); absent: nothing optional. */
  handlerFeatures?(handler: string): Promise<HandlerFeatures>;
}

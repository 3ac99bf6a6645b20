// What RunPodSandbox (run-pod.ts) needs from the pod part, and nothing more: the controller hands
// it these, built from its private state, instead of itself (run-pod would otherwise reach into
// fifteen of the controller's members, and import it back).
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { PodNetwork } from '../network/pod-network.js';
import type { RuntimeSet } from '../oci/runtimes.js';
import type { FeatureProbe } from '../oci/handler-features.js';
import type { ImageRecord } from '../image/types.js';
import type { Snapshotter } from '../snapshot/types.js';
import type { FileLocks } from '../store/file-locks.js';
import type { PodNames } from './names.js';
import type { PodStore } from './store.js';
import type { PodRecord } from './types.js';

/** What a pause image needs from the image part (only used when pod.pause_image is set). */
export interface PauseImageSource {
  resolve(ref: string): ImageRecord | undefined;
  pull(ref: string): Promise<ImageRecord>;
}

export interface RunPodDeps {
  config: Config;
  log: Logger;
  network: Pick<PodNetwork, 'netnsPath' | 'createNetns' | 'removeNetns' | 'attach' | 'detach'>;
  runtimes: Pick<RuntimeSet, 'get'>;
  /** Both set, or the pause image is refused. */
  images: PauseImageSource | undefined;
  snapshots: Pick<Snapshotter, 'prepare' | 'mount' | 'remove'> | undefined;
  store: Pick<PodStore, 'createDirs' | 'removeDirs' | 'save'>;
  /** The pod's cross-process lock. */
  locks: Pick<FileLocks, 'with'>;
  names: Pick<PodNames, 'reserve' | 'release'>;
  /** Where pods without an infra pin their IPC and UTS namespaces. */
  pinnedDir: string;
  /** What a handler can do here (absent: no optional feature, so user namespaces are refused). */
  handlerFeatures?: (handler: string) => Promise<FeatureProbe>;
  /** The daemon's own oom_score_adj: the floor for the infra when restricted. */
  oomFloor: number;
  /** The daemon's bounding set: the capabilities of a privileged infra. */
  ownCapabilities: string[] | undefined;
  /** Indexes the pod record (a pod being run is stoppable, though not listed: see `creating`). */
  index(rec: PodRecord): void;
  unindex(id: string): void;
  /** Pods whose run is in flight: indexed, not listed until ready. */
  creating: Pick<Set<string>, 'add' | 'delete'>;
}

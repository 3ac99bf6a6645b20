// What each container step gets from the container service: start/stop/remove (lifecycle.ts),
// the operations on running containers (ops.ts) and CreateContainer (create.ts). Exactly what the
// step uses, built by the service from its private state, so no step imports the service back and
// the service keeps its lock, exit bookkeeping and events to itself. The member names are the
// service's own (`svc.store`, `svc.deps.runtime`): the steps read as before.
import type { ContainerEventType } from '../events/bus.js';
import type { ContainerDeps } from './deps.js';
import type { KeyedLock } from './keyed-lock.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';

/** The container's cross-process lock. */
type Lock = Pick<KeyedLock, 'run'>;

/** StartContainer, StopContainer, RemoveContainer and their pod-wide forms. */
export interface LifecycleDeps {
  deps: Pick<ContainerDeps, 'config' | 'log' | 'runtime' | 'snapshots'>;
  store: Pick<ContainerStore, 'find' | 'get' | 'updateStatus' | 'delete'>;
  lock: Lock;
  /** Containers a stop is killing in this process (how many stops), which StartContainer refuses. */
  stopping: Map<string, number>;
  /** conmon's exit files. */
  exitDir: string;
  /** By ID or unique prefix; NotFound otherwise. */
  get(idOrPrefix: string): ContainerRecord;
  ofPod(podId: string): ContainerRecord[];
  publish(type: ContainerEventType, r: ContainerRecord): void;
  /** Records the exit from conmon's file (under the container's lock). True when it exited. */
  recordExit(id: string): Promise<boolean>;
  /** Resolves when the container is recorded as exited, or false after `ms`. */
  waitExited(id: string, ms: number): Promise<boolean>;
  /** Asks the runtime what became of the container and records it. */
  reconcile(id: string): Promise<void>;
}

/** ExecSync, UpdateContainerResources, ReopenContainerLog. */
export interface OpsDeps {
  deps: Pick<ContainerDeps, 'config' | 'runtime'>;
  store: Pick<ContainerStore, 'get' | 'updateStatus'>;
  lock: Lock;
  get(idOrPrefix: string): ContainerRecord;
  /** The container, when it is running; FailedPrecondition otherwise. */
  getRunning(idOrPrefix: string): ContainerRecord;
}

/** CreateContainer. */
export interface CreateDeps {
  deps: Pick<ContainerDeps, 'config' | 'log' | 'images' | 'snapshots' | 'pods' | 'runtime'>;
  store: Pick<ContainerStore, 'find' | 'sync' | 'reserveName' | 'releaseName' | 'add' | 'updateStatus' | 'delete'>;
  lock: Lock;
}

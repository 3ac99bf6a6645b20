// What the steps of the image part get from the image service: pulls and imports write blobs and
// layers (IngestDeps, PullDeps), removal deletes records and collects what they kept
// (RemovalDeps). Each step gets exactly these, not the service, so the service's state (leases,
// the store lock, the registry client) stays its own and no step imports the service back.
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { OverlaySnapshotter } from '../snapshot/overlay-snapshotter.js';
import type { ContentStore } from './content-store.js';
import type { ImageStore } from './image-store.js';
import type { RegistryClient } from './registry-client.js';

/** Deletes candidates nothing refers to any more (the caller holds the store lock). */
export type CollectGarbage = (blobs: string[], chainIds: string[]) => Promise<void>;

/** Runs fn holding the image store's lock, in this process and across processes. */
export type WithStoreLock = <T>(fn: () => Promise<T>) => Promise<T>;

/** What an import (and a pull) needs to store an image's blobs, layers and record. */
export interface IngestDeps {
  config: Pick<Config, 'image' | 'pod'>;
  log: Logger;
  content: ContentStore;
  store: Pick<ImageStore, 'put' | 'reload'>;
  snapshots: Pick<OverlaySnapshotter, 'hasLayer' | 'commitLayer'>;
  /** Keeps blobs and chain IDs from collection while written; the returned function releases them. */
  lease(keys: string[]): () => void;
  withLock: WithStoreLock;
  collectGarbage: CollectGarbage;
}

/** A pull: an import whose blobs come from a registry. */
export interface PullDeps extends IngestDeps {
  client: RegistryClient;
}

/** What removing an image and collecting after a container's removal need. */
export interface RemovalDeps {
  log: Logger;
  store: Pick<ImageStore, 'list' | 'referenced' | 'reload' | 'resolve' | 'hold' | 'delete'>;
  snapshots: Pick<OverlaySnapshotter, 'activeSnapshots'>;
  withLock: WithStoreLock;
  collectGarbage: CollectGarbage;
}

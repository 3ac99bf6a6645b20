// The image service: pulls into the content store and the snapshotter, keeps image metadata,
// removes images with their unshared blobs and layers. Shared by the daemon and the CLI verbs.
import { join } from 'node:path';
import { hasAtomicTemps, removeAtomicTemps } from '../store/atomic-file.js';
import { stat } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { OverlaySnapshotter } from '../snapshot/overlay-snapshotter.js';
import { ContentStore } from './content-store.js';
import { ImageStore, type StoredImage } from './image-store.js';
import { Puller, type PullOptions } from './pull.js';
import { RegistryClient } from './registry-client.js';
import { collectAfterSnapshot, collectHeld, removeImage, type InUsePolicy, type RemoveOutcome } from './removal.js';
import { FileLocks } from '../store/file-locks.js';
import type { ImageLookup } from './types.js';
import type { PullDeps, RemovalDeps } from './image-deps.js';
import { importArchive, type ImportedImage } from './import.js';

export interface FsUsage {
  bytes: number;
  inodes: number;
}

export class ImageService implements ImageLookup {
  /** Blobs by digest (ImageStatus reads an image's config from it). */
  readonly content: ContentStore;
  private readonly store: ImageStore;
  /** Shared by every process using this image store (the daemon and CLI verbs). */
  private readonly locks: FileLocks;
  private readonly client: RegistryClient;
  private readonly puller: Puller;
  /** Blobs and chain IDs that pulls in flight in this process are writing (GC keeps them). */
  private readonly leases = new Map<string, number>();
  /** What pulls, imports and removals get of this service (image-deps.ts). */
  private readonly deps: PullDeps & RemovalDeps;

  private constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly snapshots: OverlaySnapshotter,
  ) {
    const root = config.root;
    this.content = new ContentStore(join(root, 'content'));
    this.store = new ImageStore(join(root, 'images'));
    this.locks = new FileLocks(join(root, 'images', 'locks'), 'image store', 60_000);
    this.client = new RegistryClient(config.image, log);
    this.deps = {
      config,
      log,
      content: this.content,
      store: this.store,
      snapshots,
      client: this.client,
      lease: (keys) => this.lease(keys),
      withLock: (fn) => this.withLock(fn),
      collectGarbage: (blobs, chainIds) => this.collectGarbage(blobs, chainIds),
    };
    this.puller = new Puller(this.deps);
    // A removed container may have been the last user of a held image or of unlisted layers.
    snapshots.onRemoved = (meta) => collectAfterSnapshot(this.deps, meta).catch((err: unknown) => log.warn({ err, snapshot: meta.key }, 'collecting after a container removal failed'));
  }

  /** Runs fn holding the image store's lock, in this process and across processes. */
  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.locks.with('store', fn);
  }

  static async open(config: Config, log: Logger, snapshots: OverlaySnapshotter): Promise<ImageService> {
    const s = new ImageService(config, log, snapshots);
    await s.content.open();
    await s.store.open();
    // Record and stamp writes killed before their rename (under the store's lock, as every writer).
    const dirs = [s.store.root, s.store.recordsDir];
    if ((await Promise.all(dirs.map(hasAtomicTemps))).some(Boolean)) await s.locks.with('store', async () => void (await Promise.all(dirs.map(removeAtomicTemps))));
    return s;
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.content.close();
  }

  resolve(ref: string): StoredImage | undefined {
    return this.store.resolve(ref);
  }

  list(): StoredImage[] {
    return this.store.list();
  }

  pull(ref: string, o: PullOptions = {}): Promise<StoredImage> {
    return this.puller.pull(ref, o);
  }

  /** Imports a `docker save` archive or an OCI layout tarball (import.ts). */
  importArchive(file: string): Promise<ImportedImage[]> {
    return importArchive(this.deps, file);
  }

  private lease(keys: string[]): () => void {
    for (const k of keys) this.leases.set(k, (this.leases.get(k) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const k of keys) {
        const n = (this.leases.get(k) ?? 1) - 1;
        if (n <= 0) this.leases.delete(k);
        else this.leases.set(k, n);
      }
    };
  }

  /**
   * Removes the image `ref` names (ID, tag or digest) with all its tags and digests, then the
   * blobs and layers no other image or container uses. An image containers use is refused or
   * held, as `whenInUse` says (removal.ts).
   */
  async remove(ref: string, whenInUse: InUsePolicy = 'hold'): Promise<RemoveOutcome> {
    return this.locks.with('store', async () => {
      this.store.reload();
      return removeImage(this.deps, ref, whenInUse);
    });
  }

  /** Deletes candidates nothing refers to any more (caller holds the lock). */
  private async collectGarbage(blobs: string[], chainIds: string[]): Promise<void> {
    // What processes killed mid-download or mid-unpack left in their temp dirs goes too.
    await Promise.all([this.content.ingest.sweepDead(), this.snapshots.temp.sweepDead()]).catch(() => undefined);
    const ref = this.store.referenced();
    for (const b of blobs) {
      if (!ref.blobs.has(b) && !this.leases.has(b)) await this.content.delete(b);
    }
    const unreferenced = chainIds.filter((c) => !ref.chainIds.has(c) && !this.leases.has(c));
    // Reading every container snapshot's layers is the costly part: only when a layer could go.
    if (!unreferenced.length) return;
    const inUse = await this.snapshots.layersInUse();
    for (const c of unreferenced) {
      if (!inUse.has(c)) await this.snapshots.removeLayer(c);
    }
  }

  /**
   * Removes held images no container uses, then every blob and layer no image, container
   * snapshot or pull in this process needs: what a crash left between a container's removal and
   * the collection that follows it (removal.ts).
   */
  async sweep(minAgeMs = 3600_000): Promise<void> {
    const old = async (paths: [string, string][], cutoff: number) => {
      const out: string[] = [];
      for (const [id, p] of paths) {
        const st = await stat(p).catch(() => undefined);
        if (st && st.mtimeMs < cutoff) out.push(id);
      }
      return out;
    };
    await this.locks.with('store', async () => {
      this.store.reload();
      await collectHeld(this.deps);
      // Another process pulling now (a CLI verb) has a temp dir of its own from before its first
      // blob or layer lands: with none before and after the listing, every unreferenced one listed
      // is what a killed pull left, whatever its age. Otherwise only old leftovers go.
      const quietBefore = !(await this.othersPulling());
      const blobs = (await this.content.list()).map((d): [string, string] => [d, this.content.path(d)]);
      const layers = (await this.snapshots.listLayers()).map((c): [string, string] => [c, this.snapshots.layerPath(c)]);
      const cutoff = quietBefore && !(await this.othersPulling()) ? Infinity : Date.now() - minAgeMs;
      await this.collectGarbage(await old(blobs, cutoff), await old(layers, cutoff));
    });
  }

  /** Whether another live process is downloading blobs or unpacking layers into this store. */
  private async othersPulling(): Promise<boolean> {
    return (await this.content.ingest.othersActive()) || (await this.snapshots.temp.othersActive());
  }

  /** Image filesystem usage: stored blobs plus unpacked layers. */
  async imageFsUsage(): Promise<FsUsage> {
    const c = await this.content.usage();
    const l = await this.snapshots.layersUsage();
    return { bytes: c.bytes + l.bytes, inodes: c.inodes + l.inodes };
  }
}

// Disk usage for the stats calls (ListContainerStats, ListPodSandboxStats, ImageFsInfo, the
// sandbox metrics): the writable layer of each container and the image filesystem, from a cache
// instead of a directory walk per call. A kubelet asks for these every 10 s for every container;
// walking each writable layer per call made ImageFsInfo 24× containerd's under load (issue 19).
//
// The cache is kept current two ways:
// - a background sampler walks the image filesystem and every writable layer once per period,
//   one walk at a time (bounded work, off the calls' path), so a figure is at most one period
//   (plus that round's walking) old; containerd's CRI does the same (stats_collect_period, 10 s);
// - events: an image pull or removal drops the image figure (the next call walks again), a
//   deleted container drops its entry. A container never sampled is walked when first asked for
//   (its layer is new, so small); concurrent asks share that walk.

export interface FsUsage {
  bytes: number;
  inodes: number;
}

export interface FsUsageSources {
  /** Keys of the writable layers (container IDs) that exist now. */
  activeKeys(): Promise<string[]>;
  /** One writable layer's usage; undefined (or a rejection) when it has none. */
  layerUsage(key: string): Promise<FsUsage | undefined>;
  /** The image filesystem: blobs and unpacked layers. */
  imageFsUsage(): Promise<FsUsage>;
}

export class FsUsageCache {
  private readonly layers = new Map<string, FsUsage | undefined>();
  private readonly layerWalks = new Map<string, Promise<FsUsage | undefined>>();
  private image: FsUsage | undefined;
  private imageWalk: Promise<FsUsage> | undefined;
  /** Bumped by invalidateImageFs(): a walk that started before it does not fill the cache. */
  private imageGeneration = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly src: FsUsageSources,
    private readonly periodMs: number,
  ) {}

  /** A container's writable layer: the last sample, or a walk now when it has none yet. */
  layer(key: string): Promise<FsUsage | undefined> {
    this.start();
    if (this.layers.has(key)) return Promise.resolve(this.layers.get(key));
    return this.walkLayer(key);
  }

  /** Every writable layer that exists now, summed (ImageFsInfo's container filesystem). */
  async containersFs(): Promise<FsUsage> {
    const out = { bytes: 0, inodes: 0 };
    for (const u of await Promise.all((await this.src.activeKeys()).map((k) => this.layer(k)))) {
      out.bytes += u?.bytes ?? 0;
      out.inodes += u?.inodes ?? 0;
    }
    return out;
  }

  /** The image filesystem: the last sample, or a walk now after a pull or removal. */
  imageFs(): Promise<FsUsage> {
    this.start();
    if (this.image) return Promise.resolve(this.image);
    return this.walkImage();
  }

  /** An image was pulled, imported or removed: the next ask walks again. */
  invalidateImageFs(): void {
    this.imageGeneration++;
    this.image = undefined;
    this.imageWalk = undefined;
  }

  /** A container (and its writable layer) is gone. */
  forget(key: string): void {
    this.layers.delete(key);
    this.layerWalks.delete(key); // a walk in flight does not put it back
  }

  /** Stops the background sampler (it also never keeps the process alive). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sampler round, also for tests: the image filesystem, then each layer in turn. */
  async sampleNow(): Promise<void> {
    this.round ??= this.sampleRound().finally(() => (this.round = undefined));
    return this.round;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sampleNow().catch(() => undefined), this.periodMs);
    this.timer.unref();
  }

  private async sampleRound(): Promise<void> {
    this.imageWalk = undefined;
    await this.walkImage().catch(() => undefined);
    const keys = await this.src.activeKeys();
    const live = new Set(keys);
    for (const k of [...this.layers.keys()]) if (!live.has(k)) this.layers.delete(k);
    for (const k of keys) {
      this.layerWalks.delete(k); // a fresh walk, not one that started before this round
      await this.walkLayer(k);
    }
  }

  private walkLayer(key: string): Promise<FsUsage | undefined> {
    let p = this.layerWalks.get(key);
    if (!p) {
      const walk = this.src
        .layerUsage(key)
        .catch(() => undefined)
        .then((u) => {
          if (this.layerWalks.get(key) === walk) {
            this.layerWalks.delete(key);
            this.layers.set(key, u);
          }
          return u;
        });
      p = walk;
      this.layerWalks.set(key, walk);
    }
    return p;
  }

  private walkImage(): Promise<FsUsage> {
    if (!this.imageWalk) {
      const gen = this.imageGeneration;
      const walk = this.src.imageFsUsage().then(
        (u) => {
          if (gen === this.imageGeneration) this.image = u;
          if (this.imageWalk === walk) this.imageWalk = undefined;
          return u;
        },
        (err: unknown) => {
          if (this.imageWalk === walk) this.imageWalk = undefined;
          throw err;
        },
      );
      this.imageWalk = walk;
    }
    return this.imageWalk;
  }
}

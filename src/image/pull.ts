// PullImage: manifest (index → the host's platform), config, then layers in parallel (bounded),
// each streamed once through hash, store, decompress and unpack. Concurrent pulls of one blob or
// layer share the work. A failed pull removes what only it had written.
import { CancelledError, FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError, UnavailableError } from '../errors/catalog.js';
import { nowNs } from '../util/time.js';
import type { Credentials } from './auth.js';
import { chainIds as computeChainIds } from './chain-id.js';
import type { PullDeps } from './image-deps.js';
import type { LayerInfo, StoredImage } from './image-store.js';
import { applyLayer } from './layer-apply.js';
import type { UnpackStats } from '../snapshot/unpack.js';
import type { BlobWriter } from './content-store.js';
import { parseConfig, parseManifest, parsePlatform, selectPlatform, type Descriptor, type ImageManifest } from './manifest.js';
import { mapLimit } from './pool.js';
import type { PullObserver } from './pull-observer.js';
import { digestRef, formatReference, parseReference, tagRef, type ImageReference } from './reference.js';
import { abandon, type Endpoint } from './registry-client.js';
import { classifyTransport, type RetryBudget } from './registry-retry.js';
import { resumableBody } from './resumable-body.js';
import { SingleFlight } from './single-flight.js';
import { imageLimits, KEYS, type LayerLimits } from './unpack-limits.js';
import { enforceTrust } from './trust/enforce.js';

export interface PullOptions {
  credentials?: Credentials;
  signal?: AbortSignal;
  /** Counts the bytes this pull downloaded (shared downloads count for the pull that ran them). */
  progress?: { bytes: number };
  /** Told about layers as they download (the CLI's progress display). */
  observer?: PullObserver;
}

interface PullState {
  ref: ImageReference;
  creds: Credentials | undefined;
  endpoint: Endpoint;
  /** What this pull wrote (rolled back on failure when nothing else uses it). */
  createdBlobs: string[];
  createdLayers: string[];
  progress: { bytes: number };
  observer: PullObserver | undefined;
  /** Bounds on what this image's layers unpack to (one image total across them). */
  limits: LayerLimits;
  /** The caller's: aborted when it gives up (a shared download goes on for the others). */
  signal: AbortSignal | undefined;
}

/**
 * A blob download that failed: a broken connection or a stall is said as such (and may be
 * retried); our own refusals and bad data pass unchanged. applyLayer reports a broken source as
 * an UnavailableError whose cause is the transport's error.
 */
function downloadFault(err: unknown, who: string, what: string, timeoutSec: number): unknown {
  const transport = err instanceof UnavailableError && err.cause !== undefined && err.message.startsWith('download of') ? err.cause : err;
  return classifyTransport(transport, who, what, timeoutSec) ?? err;
}

function isPauseImage(ref: ImageReference, pause: string): boolean {
  if (!pause) return false;
  try {
    return formatReference(parseReference(pause)) === formatReference(ref);
  } catch {
    return false;
  }
}

export class Puller {
  private readonly blobs = new SingleFlight<boolean>();
  private readonly layers = new SingleFlight<boolean>();

  constructor(private readonly svc: PullDeps) {}

  async pull(input: string, o: PullOptions = {}): Promise<StoredImage> {
    const ref = parseReference(input);
    const svc = this.svc;
    const top = await svc.client.fetchManifest(ref, ref.digest ?? ref.tag ?? 'latest', o.credentials, o.signal);
    // The trust policy decides on the manifest served before any of the image is stored.
    await enforceTrust(svc.client, svc.config.image.signature_policy, ref, top, { creds: o.credentials, signal: o.signal, endpoint: top.endpoint });
    const st: PullState = { ref, creds: o.credentials, endpoint: top.endpoint, createdBlobs: [], createdLayers: [], progress: o.progress ?? { bytes: 0 }, observer: o.observer, limits: imageLimits(svc.config.image, input), signal: o.signal };
    st.progress.bytes += top.bytes.length;
    const keys: string[] = [top.digest];
    let release = svc.lease(keys);
    try {
      await this.storeSmall(st, top.digest, top.bytes);
      let parsed = parseManifest(top.bytes, top.mediaType);
      const blobList = [top.digest];
      if (parsed.kind === 'index') {
        const want = parsePlatform(svc.config.image.platform);
        const desc = selectPlatform(parsed, want);
        const m = await svc.client.fetchManifest(ref, desc.digest, o.credentials, o.signal, st.endpoint);
        st.progress.bytes += m.bytes.length;
        release();
        release = svc.lease([...keys, m.digest]);
        await this.storeSmall(st, m.digest, m.bytes);
        blobList.push(m.digest);
        parsed = parseManifest(m.bytes, m.mediaType);
        if (parsed.kind !== 'manifest') throw new InvalidArgumentError(`manifest list ${top.digest} points at another list`);
      }
      const manifest: ImageManifest = parsed;
      const manifestDigest = blobList[blobList.length - 1]!;
      const configBytes = await this.fetchSmall(st, manifest.config);
      const config = parseConfig(configBytes);
      if (config.rootfs.diff_ids.length !== manifest.layers.length) {
        throw new InvalidArgumentError(
          `image config lists ${config.rootfs.diff_ids.length} layers but the manifest ${manifest.layers.length}`,
        );
      }
      const chain = computeChainIds(config.rootfs.diff_ids);
      const layerInfo: LayerInfo[] = manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: config.rootfs.diff_ids[i]! }));
      release();
      release = svc.lease([...blobList, manifest.config.digest, ...layerInfo.map((l) => l.digest), ...chain]);
      st.observer?.resolved(top.digest, layerInfo.map(({ digest, size }) => ({ digest, size })));
      await mapLimit(layerInfo, svc.config.image.max_concurrent_downloads, (l, i) => this.ensureLayer(st, l, chain[i]!));

      const size = manifest.layers.reduce((n, l) => n + l.size, 0) + manifest.config.size + top.bytes.length;
      const rec: StoredImage = {
        id: manifest.config.digest,
        repoTags: [],
        repoDigests: [],
        size,
        config: config.config ?? {},
        chainIds: chain,
        // The pause image is never garbage-collected by the kubelet.
        pinned: isPauseImage(ref, svc.config.pod.pause_image),
        createdAt: nowNs().toString(),
        manifestDigest,
        layers: layerInfo,
        blobs: [...blobList, manifest.config.digest, ...layerInfo.map((l) => l.digest)],
      };
      return await svc.withLock(async () => {
        // A concurrent removal elsewhere may have collected a shared layer meanwhile.
        for (const c of chain) {
          if (!(await svc.snapshots.hasLayer(c))) throw new UnavailableError(`layer ${c} was removed while pulling ${input}; pull again`);
        }
        return svc.store.put(rec, tagRef(ref), digestRef(ref, top.digest));
      });
    } catch (err) {
      release();
      await this.rollback(st).catch((e: unknown) => svc.log.warn({ err: e }, 'pull rollback incomplete'));
      throw err;
    } finally {
      release();
    }
  }

  private async rollback(st: PullState): Promise<void> {
    if (!st.createdBlobs.length && !st.createdLayers.length) return;
    await this.svc.withLock(async () => {
      this.svc.store.reload();
      await this.svc.collectGarbage(st.createdBlobs, st.createdLayers);
    });
  }

  /** Stores a manifest already verified by the registry client. */
  private async storeSmall(st: PullState, digest: string, bytes: Buffer): Promise<void> {
    if (await this.svc.content.has(digest)) return;
    await this.svc.content.put(digest, bytes);
    st.createdBlobs.push(digest);
  }

  /** A small blob (the config): from the store, or downloaded once and verified. */
  private async fetchSmall(st: PullState, d: Descriptor): Promise<Buffer> {
    const content = this.svc.content;
    const max = this.svc.config.image.max_config_bytes;
    if (d.size > max) throw new ResourceExhaustedError(`image config ${d.digest} is ${d.size} bytes, more than the limit ${KEYS.config} (${max}) allows; refused`);
    const had = await content.has(d.digest);
    try {
      await this.blobs.run(
        d.digest,
        async (signal) => {
          if (await content.has(d.digest)) return false;
          const budget = this.svc.client.retryBudget(signal);
          for (;;) {
            try {
              await this.downloadSmall(st, d, signal, budget);
              return true;
            } catch (err) {
              if (signal.aborted) throw new CancelledError(`download of ${d.digest} cancelled`, { cause: err });
              await budget.next(downloadFault(err, `registry ${this.svc.client.baseFor(st.endpoint)}`, `blob ${d.digest}`, this.svc.client.progressTimeoutSec), this.svc.client.retryLogger(`blob ${d.digest}`));
            }
          }
        },
        st.signal,
      );
    } finally {
      // Whoever ran the download, it is this pull's to roll back too (collection spares what
      // another pull leases or an image lists).
      if (!had && (await content.has(d.digest))) st.createdBlobs.push(d.digest);
    }
    return content.read(d.digest);
  }

  /** One attempt at downloading a small blob into the store. */
  private async downloadSmall(st: PullState, d: Descriptor, signal: AbortSignal, budget: RetryBudget): Promise<void> {
    const content = this.svc.content;
    const res = await this.svc.client.fetchBlob(st.ref, d.digest, st.creds, st.endpoint, signal, budget);
    const w = await content.writer(d.digest);
    try {
      for await (const chunk of res.body) {
        // Stop at the declared size: a registry sending more is not stored on disk first.
        if (w.bytesWritten + (chunk as Buffer).length > d.size) throw new InvalidArgumentError(`image config ${d.digest} is longer than the ${d.size} bytes its descriptor says`);
        await w.write(chunk as Buffer);
      }
      await w.commit(d.size);
      st.progress.bytes += d.size;
    } catch (err) {
      abandon(res.body);
      await w.abort();
      throw err;
    }
  }
  /** Makes sure the layer is unpacked at its chain ID: reuse, unpack a stored blob, or download. */
  private async ensureLayer(st: PullState, l: LayerInfo, chainId: string): Promise<void> {
    const svc = this.svc;
    const had = await svc.content.has(l.digest);
    let created: boolean;
    try {
      created = await this.layers.run(chainId, (signal) => this.makeLayer(st, l, chainId, signal), st.signal);
    } finally {
      // Whoever ran the download, a blob that appeared is this pull's to roll back too, also
      // when a later step failed (collection spares what another pull leases or an image lists).
      if (!had && (await svc.content.has(l.digest))) st.createdBlobs.push(l.digest);
    }
    st.observer?.layerDone(l.digest, st.createdBlobs.includes(l.digest));
    if (created) st.createdLayers.push(chainId);
    else if (!(await svc.snapshots.hasLayer(chainId))) throw new FailedPreconditionError(`layer ${chainId} vanished while pulling`);
  }

  /**
   * Unpacks the layer from its stored blob, or downloads it, retrying transient faults from the
   * start (the blob's hash, the unpacked files and the temp dir all begin afresh).
   */
  private async makeLayer(st: PullState, l: LayerInfo, chainId: string, signal: AbortSignal): Promise<boolean> {
    const svc = this.svc;
    if (await svc.snapshots.hasLayer(chainId)) return false;
    const t0 = performance.now();
    const stored = await svc.content.has(l.digest);
    const budget = svc.client.retryBudget(signal);
    for (;;) {
      try {
        await svc.snapshots.commitLayer(chainId, (dir) => {
          if (stored) return applyLayer({ source: svc.content.createReadStream(l.digest), mediaType: l.mediaType, diffId: l.diffId, dir, limits: st.limits });
          return this.downloadLayer(st, l, dir, signal, budget);
        });
        break;
      } catch (err) {
        if (signal.aborted) throw new CancelledError(`download of layer ${l.digest} cancelled`, { cause: err });
        if (stored) throw err;
        await budget.next(downloadFault(err, `registry ${svc.client.baseFor(st.endpoint)}`, `layer ${l.digest}`, svc.client.progressTimeoutSec), svc.client.retryLogger(`layer ${l.digest}`));
      }
    }
    svc.log.debug({ layer: l.digest, chainId, ms: Math.round(performance.now() - t0), downloaded: !stored, attempts: budget.attempts }, 'layer ready');
    return true;
  }

  /** One attempt: the blob streamed from the registry through the store into `dir`. */
  private async downloadLayer(st: PullState, l: LayerInfo, dir: string, signal: AbortSignal, budget: RetryBudget): Promise<UnpackStats> {
    const svc = this.svc;
    const res = await svc.client.fetchBlob(st.ref, l.digest, st.creds, st.endpoint, signal, budget);
    if (res.size !== undefined && res.size !== l.size) {
      abandon(res.body);
      throw new InvalidArgumentError(`layer ${l.digest} is ${res.size} bytes at the registry, the manifest says ${l.size}`);
    }
    const w: BlobWriter = await svc.content.writer(l.digest);
    const obs = st.observer;
    if (obs) w.onProgress = (n) => obs.layerBytes(l.digest, n);
    // A connection broken mid-way resumes where it broke when the registry serves ranges.
    const source = resumableBody(res, {
      beforeResume: (err) => budget.next(downloadFault(err, `registry ${svc.client.baseFor(res.endpoint)}`, `layer ${l.digest}`, svc.client.progressTimeoutSec), svc.client.retryLogger(`layer ${l.digest}`)),
      reopen: (offset) => svc.client.fetchBlob(st.ref, l.digest, st.creds, res.endpoint, signal, budget, offset),
    });
    try {
      const usage = await applyLayer({ source, mediaType: l.mediaType, diffId: l.diffId, dir, writer: w, expectedSize: l.size, limits: st.limits });
      st.progress.bytes += l.size;
      return usage;
    } catch (err) {
      abandon(source);
      abandon(res.body);
      await w.abort();
      throw err;
    }
  }
}

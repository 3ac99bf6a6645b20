// One layer from a compressed stream to an unpacked snapshot, in a single pass: the bytes are
// hashed and written to the content store while being decompressed, hashed again (diff ID) and
// untarred. Nothing becomes visible unless both digests check out. Backpressure holds end to end
// (the download waits for the store write, gunzip and zstd for the unpacker), so memory stays
// bounded whatever the compression ratio; the uncompressed bytes are counted against the layer
// and image limits as they flow.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError, RktletError, UnavailableError } from '../errors/catalog.js';
import { createZstdDecompress } from './zstd.js';
import { KEYS, UnpackBudget, type LayerLimits } from './unpack-limits.js';
import { prepareUnpack, unpackLayer, type UnpackStats } from '../snapshot/unpack.js';
import type { BlobWriter } from './content-store.js';
import { DigestMismatchError } from './content-store.js';
import { layerCompression } from './manifest.js';

export interface ApplyLayerOptions {
  source: Readable;
  mediaType: string;
  /** Expected digest of the uncompressed tar. */
  diffId: string;
  /** Where the unpacked files go (an empty dir). */
  dir: string;
  /** When set, the compressed bytes are stored and verified through it. */
  writer?: BlobWriter;
  expectedSize?: number;
  limits: LayerLimits;
}

const BATCH = 512 * 1024;

function decompressor(mediaType: string, limits: LayerLimits, what: string): Duplex {
  const c = layerCompression(mediaType);
  // Big output chunks (zstd's too): zlib pays a thread-pool round trip per chunk.
  if (c === 'zstd') return createZstdDecompress({ maxWindowBytes: limits.zstdMaxWindowBytes, windowKey: KEYS.zstdWindow, what });
  return c === 'gzip' ? createGunzip({ chunkSize: 256 * 1024 }) : new PassThrough();
}

/** Gathers small network chunks into ~512 KiB ones (10x faster gunzip than 16-64 KiB chunks). */
export function coalesce(size = BATCH): Transform {
  let parts: Buffer[] = [];
  let len = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      len += chunk.length;
      if (len < size) return cb();
      const out = Buffer.concat(parts, len);
      parts = [];
      len = 0;
      cb(null, out);
    },
    flush(cb) {
      cb(null, len ? Buffer.concat(parts, len) : undefined);
    },
  });
}

/**
 * With every byte delivered, the tar reader's own complaints (a truncated archive, a bad header)
 * are bad layer data; our refusals and file-system errors (they carry a syscall) stay as they are.
 */
function notTar(err: unknown, what: string): unknown {
  if (err instanceof RktletError || !(err instanceof Error) || 'syscall' in err) return err;
  return new InvalidArgumentError(`${what} is not a valid tar archive: ${err.message}`, { cause: err });
}

export async function applyLayer(o: ApplyLayerOptions): Promise<UnpackStats> {
  const diffHash = createHash('sha256');
  const writer = o.writer;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!writer) return cb(null, chunk);
      // A registry sending more than the manifest says is cut off here, not after filling the disk.
      if (o.expectedSize !== undefined && writer.bytesWritten + chunk.length > o.expectedSize) {
        return cb(new DigestMismatchError(`layer ${writer.digest} is longer than the ${o.expectedSize} bytes the manifest says`));
      }
      writer.write(chunk).then(
        () => cb(null, chunk),
        (err: Error) => cb(err),
      );
    },
  });
  const what = `layer ${writer?.digest ?? o.diffId}`;
  const layerBudget = new UnpackBudget(o.limits.maxLayerBytes, KEYS.layerBytes, what);
  let limitError: Error | undefined;
  const diffTap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        layerBudget.charge(chunk.length);
        o.limits.image?.charge(chunk.length);
      } catch (err) {
        limitError = err as Error;
        return cb(limitError);
      }
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const decomp = decompressor(o.mediaType, o.limits, what);
  let decompError: Error | undefined;
  let sourceError: Error | undefined;
  decomp.once('error', (e: Error) => (decompError = e));
  o.source.once('error', (e: Error) => (sourceError = e));
  await prepareUnpack();
  const flowing = pipeline(o.source, coalesce(), tap, decomp, diffTap);
  const unpacking = unpackLayer(diffTap, o.dir, { maxEntries: o.limits.maxEntries, maxEntriesKey: KEYS.entries, name: what });
  const [flow, unpack] = await Promise.allSettled([flowing, unpacking]);
  if (flow.status === 'rejected') {
    const err = flow.reason as Error;
    if (limitError) throw limitError;
    if (err instanceof DigestMismatchError) throw err;
    // The unpacker's refusal (e.g. an escaping path) is the real story when there is one; its
    // stop also ends the decompressor with a premature close, which is no data error.
    if (unpack.status === 'rejected' && unpack.reason instanceof RktletError) throw unpack.reason;
    // The source's own verdict (a resumed download that ran out of attempts, a stall).
    if (sourceError instanceof RktletError) throw sourceError;
    // A broken download (connection reset, registry gone) is no data error: try again later.
    if (sourceError && !(sourceError instanceof RktletError)) {
      throw new UnavailableError(`download of layer ${writer?.digest ?? ''} was interrupted: ${sourceError.message}`, { cause: sourceError });
    }
    const bad = decompError && decompError !== sourceError && (decompError as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE' ? decompError : undefined;
    // The zstd decoder's own refusals (window too large, bad frame) already say what and why.
    if (bad instanceof RktletError) throw bad;
    if (bad) throw new InvalidArgumentError(`layer ${writer?.digest ?? ''} is not valid ${layerCompression(o.mediaType)} data: ${bad.message}`, { cause: bad });
    if (unpack.status === 'rejected') throw unpack.reason;
    throw err;
  }
  if (unpack.status === 'rejected') throw notTar(unpack.reason, what);
  // Both digests before the blob is published: a layer that unpacks to the wrong diff ID must not
  // land in the content store (the caller's abort drops the ingest file).
  if (writer) await writer.verify(o.expectedSize);
  const diffId = 'sha256:' + diffHash.digest('hex');
  if (diffId !== o.diffId) throw new DigestMismatchError(`layer ${writer?.digest ?? ''} unpacks to ${diffId}, but the image config expects ${o.diffId}`);
  if (writer) await writer.commit();
  return unpack.value;
}

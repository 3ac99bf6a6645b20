// One layer from a compressed stream to an unpacked snapshot, in a single pass: the bytes are
// hashed and written to the content store while being decompressed, hashed again (diff ID) and
// untarred. Nothing becomes visible unless both digests check out.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError, RktletError, UnavailableError } from '../errors/catalog.js';
import { createZstdDecompress } from './zstd.js';
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
}

const BATCH = 512 * 1024;

function decompressor(mediaType: string): Transform {
  const c = layerCompression(mediaType);
  if (c === 'zstd') return createZstdDecompress();
  // Big output chunks: zlib pays a thread-pool round trip per chunk.
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

export async function applyLayer(o: ApplyLayerOptions): Promise<UnpackStats> {
  const diffHash = createHash('sha256');
  const writer = o.writer;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!writer) return cb(null, chunk);
      writer.write(chunk).then(
        () => cb(null, chunk),
        (err: Error) => cb(err),
      );
    },
  });
  const diffTap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const decomp = decompressor(o.mediaType);
  let decompError: Error | undefined;
  let sourceError: Error | undefined;
  decomp.once('error', (e: Error) => (decompError = e));
  o.source.once('error', (e: Error) => (sourceError = e));
  await prepareUnpack();
  const flowing = pipeline(o.source, coalesce(), tap, decomp, diffTap);
  const unpacking = unpackLayer(diffTap, o.dir);
  const [flow, unpack] = await Promise.allSettled([flowing, unpacking]);
  if (flow.status === 'rejected') {
    const err = flow.reason as Error;
    // The unpacker's refusal (e.g. an escaping path) is the real story when there is one; its
    // stop also ends the decompressor with a premature close, which is no data error.
    if (unpack.status === 'rejected' && unpack.reason instanceof RktletError) throw unpack.reason;
    // A broken download (connection reset, registry gone) is no data error: try again later.
    if (sourceError && !(sourceError instanceof RktletError)) {
      throw new UnavailableError(`download of layer ${writer?.digest ?? ''} was interrupted: ${sourceError.message}`, { cause: sourceError });
    }
    const bad = decompError && decompError !== sourceError && (decompError as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE' ? decompError : undefined;
    if (bad) throw new InvalidArgumentError(`layer ${writer?.digest ?? ''} is not valid ${layerCompression(o.mediaType)} data: ${bad.message}`, { cause: bad });
    if (unpack.status === 'rejected') throw unpack.reason;
    throw err;
  }
  if (unpack.status === 'rejected') throw unpack.reason;
  // Both digests before the blob is published: a layer that unpacks to the wrong diff ID must not
  // land in the content store (the caller's abort drops the ingest file).
  if (writer) await writer.verify(o.expectedSize);
  const diffId = 'sha256:' + diffHash.digest('hex');
  if (diffId !== o.diffId) throw new DigestMismatchError(`layer ${writer?.digest ?? ''} unpacks to ${diffId}, but the image config expects ${o.diffId}`);
  if (writer) await writer.commit();
  return unpack.value;
}

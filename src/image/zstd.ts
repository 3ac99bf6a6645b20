// zstd layer decompression with Node's own zstd (zlib, Node 22.15 and later; libzstd 1.5.7 in
// Node 24). It replaces a `prlimit … zstd -d --memory=…` child (Node 20 had no zstd) and keeps
// what that child was for (issue 15): one hostile layer must neither freeze nor bloat the daemon.
//
// - Off the event loop: zlib decodes on libuv's thread pool, a 128 KiB output chunk per round trip.
// - Streaming: compressed bytes are written as they arrive and output is produced only as fast as
//   the tar unpacker reads it (zlib honours the readable side's backpressure), so a bomb costs
//   time, never memory, until the unpack bound stops it.
// - Bounded memory: ZSTD_d_windowLogMax makes the decoder refuse a frame whose declared window is
//   larger than the bound before allocating anything for it (containerd: "window size exceeded").
//   A layer's decoder then holds at most that window plus two 128 KiB blocks, in the daemon; the
//   window is a power of two, so the configured bound is rounded down to one.
// - zstd frames only: zstd(1) also decoded gzip, xz and lz4 frames it met (xz with no memory
//   bound of its own, hence the child's prlimit); this decoder refuses them as bad data.
import { constants, createZstdDecompress as zstdDecoder, type ZstdDecompress } from 'node:zlib';
import { Duplex } from 'node:stream';
import { InvalidArgumentError, ResourceExhaustedError } from '../errors/catalog.js';

export interface ZstdOptions {
  /** Frames declaring a larger window are refused (rounded down to a power of two, 1 KiB..2 GiB). */
  maxWindowBytes: number;
  /** The config key that sets maxWindowBytes, named when a frame exceeds it. */
  windowKey?: string;
  /** What is decompressed, for messages ("layer sha256:…"). */
  what?: string;
}

const OUTPUT_CHUNK = 256 * 1024;
/** zstd's own range of window logs for decoding (ZSTD_WINDOWLOG_ABSOLUTEMIN, ZSTD_WINDOWLOG_MAX_64). */
const LOG_MIN = 10;
const LOG_MAX = 31;
/** The longest frame header: magic, descriptor, window byte, dictionary ID, content size. */
const HEADER_MAX = 18;

/** The largest window log whose window fits in `bytes`. */
export function windowLogFor(bytes: number): number {
  return Math.min(LOG_MAX, Math.max(LOG_MIN, Math.floor(Math.log2(bytes))));
}

/**
 * The window the first frame declares (RFC 8878 3.1.1.1), for the refusal's message; undefined
 * while the header is incomplete or is no zstd frame. A window log over 31 is beyond what any
 * zstd decodes, and reported as such.
 */
export function declaredWindow(head: Buffer): { bytes: number; log: number } | undefined {
  if (head.length < 6 || head.readUInt32LE(0) !== 0xfd2fb528) return undefined;
  const fhd = head[4]!;
  if (fhd & 0x20) {
    // Single segment: the window is the content size, which follows the dictionary ID.
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = [1, 2, 4, 8][fhd >> 6]!;
    const at = 5 + dictBytes;
    if (head.length < at + fcsBytes) return undefined;
    const size = fcsBytes === 1 ? head[at]! : fcsBytes === 2 ? head.readUInt16LE(at) + 256 : fcsBytes === 4 ? head.readUInt32LE(at) : Number(head.readBigUInt64LE(at));
    return { bytes: size, log: Math.ceil(Math.log2(Math.max(size, 1))) };
  }
  const wd = head[5]!;
  const log = LOG_MIN + (wd >> 3);
  return { bytes: 2 ** log + (2 ** log / 8) * (wd & 7), log };
}

/** zlib's zstd error as one of ours: a window over the bound is the limit's refusal, else bad data. */
export function zstdFailure(err: NodeJS.ErrnoException, head: Buffer, o: ZstdOptions): Error {
  const what = o.what ?? 'layer';
  const limit = `${o.windowKey ?? 'the window limit'} (${o.maxWindowBytes} bytes)`;
  if (err.code === 'ZSTD_error_frameParameter_windowTooLarge') {
    const w = declaredWindow(head);
    // The first frame's header names the window unless a later frame was the one refused.
    const first = w && w.bytes > 2 ** windowLogFor(o.maxWindowBytes) ? w : undefined;
    const size = !first ? 'a window' : first.log > LOG_MAX ? "a window beyond zstd's 2 GiB maximum" : `a ${first.bytes}-byte window`;
    return new ResourceExhaustedError(`${what}: its zstd frame needs ${size}, larger than ${limit} allows (window size exceeded); refused`);
  }
  if (err.code === 'ZSTD_error_memory_allocation') {
    return new ResourceExhaustedError(`${what}: decompressing it needs more memory than is free within ${limit}; refused: ${err.message}`);
  }
  return new InvalidArgumentError(`${what} is not valid zstd data: ${err.message}`);
}

/** The decoder behind a Duplex of our own, so that its errors leave as the catalog's. */
class ZstdStream extends Duplex {
  private readonly z: ZstdDecompress;
  private head = Buffer.alloc(0);

  constructor(private readonly o: ZstdOptions) {
    super();
    this.z = zstdDecoder({ chunkSize: OUTPUT_CHUNK, params: { [constants.ZSTD_d_windowLogMax]: windowLogFor(o.maxWindowBytes) } });
    const z = this.z;
    z.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) z.pause();
    });
    z.on('end', () => this.push(null));
    z.on('error', (err: NodeJS.ErrnoException) => this.destroy(zstdFailure(err, this.head, this.o)));
  }

  override _read(): void {
    this.z.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.head.length < HEADER_MAX) this.head = Buffer.concat([this.head, chunk.subarray(0, HEADER_MAX - this.head.length)]);
    // The callback waits until zlib took the bytes: a slow reader slows the download.
    this.z.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.z.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Frees the decoder and its window (after a round on the thread pool, if one is running).
    this.z.destroy();
    cb(err);
  }
}

/** A duplex stream: zstd frames in, the decompressed bytes out. */
export function createZstdDecompress(o: ZstdOptions): Duplex {
  return new ZstdStream(o);
}

// A seeded generator of hostile SPDY/3.1 and WebSocket input, shared by the parser fuzz tests
// (src/streaming/*-fuzz.test.ts) and the live-daemon fuzz (test/integration/streaming-robustness).
// The seed is printed; FUZZ_SEED=<n> replays a run.
import zlib from 'node:zlib';
import { encodeFrame, FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameType, type SpdyFrame } from '../../src/streaming/spdy-frames.js';
import { encodeHeaderBlock } from '../../src/streaming/spdy-headers.js';
import { SPDY3_DICTIONARY } from '../../src/streaming/spdy-dictionary.js';

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The run's seed: FUZZ_SEED, else a fresh one; printed either way so a failure can be replayed. */
export function fuzzSeed(what: string): number {
  const env = process.env.FUZZ_SEED;
  const seed = env && /^\d+$/.test(env) ? Number(env) : Math.floor(Math.random() * 2 ** 31);
  console.log(`# ${what}: FUZZ_SEED=${seed}`);
  return seed;
}

/** A zlib context as a SPDY peer keeps one per session (blocks are flushed, never finished). */
export class PeerCompressor {
  private readonly z = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly out: Buffer[] = [];
  constructor() {
    this.z.on('data', (c: Buffer) => this.out.push(c));
  }
  async block(raw: Buffer): Promise<Buffer> {
    this.z.write(raw);
    await new Promise<void>((r) => this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    return Buffer.concat(this.out.splice(0));
  }
  close(): void {
    this.z.destroy();
  }
}

const bombs = new Map<number, Buffer>();

/** A header block that inflates to `mib` MiB of zeros (a zlib bomb: 32 MiB take 32 KiB). */
export function bombBlock(mib: number): Buffer {
  let b = bombs.get(mib);
  if (!b) {
    const z = zlib.deflateSync(Buffer.alloc(mib << 20), { dictionary: SPDY3_DICTIONARY });
    b = z.subarray(0, z.length - 4); // no adler trailer: as if more blocks followed
    bombs.set(mib, b);
  }
  return b;
}

const STREAM_TYPES = ['error', 'stdin', 'stdout', 'stderr', 'resize', 'data', 'bogus', ''];

function randomHeaders(r: Rng): Record<string, string[]> {
  const h: Record<string, string[]> = { streamtype: [r.pick(STREAM_TYPES)] };
  if (r.chance(0.5)) h.port = [r.pick(['80', '0', '65536', '-1', 'x', String(r.int(70000))])];
  if (r.chance(0.5)) h.requestid = [String(r.int(5))];
  if (r.chance(0.2)) h[`x-${r.int(1000)}`] = [r.bytes(r.int(40)).toString('latin1')];
  return h;
}

function streamId(r: Rng, last: number): number {
  return r.pick([0, 1, 2, last, last + 2, 0x7fffffff, r.int(0x80000000), 1 + 2 * r.int(50)]);
}

/**
 * One frame as a client might send it, valid or not: a random frame type with random fields (header
 * blocks compressed with `z`, or garbage, or a bomb), then maybe mutated on the wire.
 */
export async function randomFrame(r: Rng, z: PeerCompressor, last: number): Promise<Buffer> {
  const id = streamId(r, last);
  const flags = r.pick([0, FLAG_FIN, FLAG_UNIDIRECTIONAL, FLAG_FIN | FLAG_UNIDIRECTIONAL, r.int(256)]);
  const header = async (): Promise<Buffer> => {
    const k = r.int(10);
    if (k === 0) return r.bytes(r.int(64)); // does not inflate
    if (k === 1) return bombBlock(r.pick([1, 4, 32])); // inflates to MiBs
    if (k === 2) return z.block(r.bytes(r.int(64))); // inflates to a bad name/value block
    return z.block(encodeHeaderBlock(randomHeaders(r)));
  };
  let f: SpdyFrame;
  switch (r.int(11)) {
    case 0:
      f = { type: 'data', streamId: id, flags, data: r.bytes(r.int(r.chance(0.1) ? 70_000 : 200)) };
      break;
    case 1:
    case 2:
      f = { type: 'syn_stream', streamId: id, associatedId: r.int(3), priority: r.int(8), slot: r.int(256), flags, headerBlock: await header() };
      break;
    case 3:
      f = { type: r.pick(['syn_reply', 'headers'] as const), streamId: id, flags, headerBlock: await header() };
      break;
    case 4:
      f = { type: 'rst_stream', streamId: id, status: r.int(20) };
      break;
    case 5: {
      const n = r.chance(0.1) ? 10_000 : r.int(12);
      f = { type: 'settings', flags, entries: Array.from({ length: n }, () => ({ flags: r.int(256), id: r.int(10), value: r.int(0x100000000) })) };
      break;
    }
    case 6:
      f = { type: 'ping', id: r.int(0x100000000) };
      break;
    case 7:
      f = { type: 'goaway', lastGoodStreamId: id, status: r.int(5) };
      break;
    case 8:
      f = { type: 'window_update', streamId: id, delta: r.pick([0, 1, 0x7fffffff, r.int(0x80000000)]) };
      break;
    case 9:
      f = { type: 'unknown', frameType: r.pick([0, 5, 10, 0xffff, r.int(0x10000)]), flags, payload: r.bytes(r.int(64)) };
      break;
    default:
      return r.bytes(r.int(64)); // plain garbage
  }
  let b: Buffer;
  try {
    b = encodeFrame(f);
  } catch {
    return r.bytes(16);
  }
  return mutate(r, b);
}

/** Wire-level damage: lengths that lie (short, long, huge), versions, truncation, flipped bytes. */
export function mutate(r: Rng, frame: Buffer): Buffer {
  const b = Buffer.from(frame);
  switch (r.int(8)) {
    case 0: // length says less or more than follows
      if (b.length >= 8) b.writeUIntBE(r.int(b.length * 2 + 16), 5, 3);
      return b;
    case 1: // huge length
      if (b.length >= 8) b.writeUIntBE(r.pick([0xffffff, 0x1000000 - 1, 0x800000]), 5, 3);
      return b;
    case 2: // another version
      if (b.length >= 2 && b[0]! & 0x80) b.writeUInt16BE(0x8000 | r.pick([0, 2, 4, 0x7fff]), 0);
      return b;
    case 3:
      return b.subarray(0, r.int(b.length));
    case 4:
      for (let i = 0; i < 1 + r.int(4) && b.length; i++) b[r.int(b.length)] = r.int(256);
      return b;
    default:
      return b; // intact
  }
}

/** Splits bytes at random points (how TCP may deliver them). */
export function randomChunks(r: Rng, b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < b.length; ) {
    const n = 1 + r.int(Math.min(b.length - o, r.chance(0.5) ? 16 : 4096));
    out.push(b.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** One WebSocket frame a client might send (masked, as clients must), valid or not. */
export function randomWsFrame(r: Rng): Buffer {
  const opcode = r.pick([0x0, 0x1, 0x2, 0x8, 0x9, 0xa, 0x3, 0xb, 0xf]);
  const fin = r.chance(0.8) ? 0x80 : 0;
  const rsv = r.chance(0.1) ? r.pick([0x40, 0x20, 0x10]) : 0;
  const kind = r.int(4);
  const payload = opcode === 0x2 && kind === 0 ? Buffer.concat([Buffer.from([r.pick([0, 1, 2, 3, 4, 255, r.int(256)])]), r.bytes(r.int(100))]) : r.bytes(r.int(kind === 3 ? 300 : 130));
  const masked = r.chance(0.9);
  const len = r.chance(0.1) ? r.pick([126, 127]) : payload.length;
  const head: number[] = [fin | rsv | opcode];
  if (len < 126 && payload.length < 126) head.push((masked ? 0x80 : 0) | payload.length);
  else if (len === 127 || r.chance(0.2)) {
    head.push((masked ? 0x80 : 0) | 127);
    const l = Buffer.alloc(8);
    l.writeBigUInt64BE(r.chance(0.3) ? 0xffffffffffffffffn : BigInt(payload.length));
    head.push(...l);
  } else {
    head.push((masked ? 0x80 : 0) | 126, payload.length >> 8, payload.length & 0xff);
  }
  const mask = r.bytes(4);
  const body = masked ? Buffer.from(payload.map((x, i) => x ^ mask[i % 4]!)) : payload;
  return Buffer.concat([Buffer.from(head), masked ? mask : Buffer.alloc(0), body]);
}

export { FrameType };

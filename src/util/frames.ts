// The frames the daemon and its command helper exchange (src/helpers/framing.py is the other side):
//   u32 header length H | u32 part count N | N x u32 part length | H bytes of JSON | the parts
// all big-endian. The JSON says what a frame means; the parts carry bytes as they are (stdin,
// stdout, stderr), so a large output crosses the pipe once, unencoded.

export interface Frame<H = unknown> {
  header: H;
  parts: Buffer[];
}

export const MAX_PART = 0xffffffff;
// A header is a request's argv, env and cwd, or a reply's code: far below this unless the stream is not ours.
const MAX_HEADER = 64 << 20;
const MAX_PARTS = 16;

/** The frame's bytes: a small prefix and the parts themselves (not copied). */
export function encodeFrame(header: object, parts: readonly Buffer[] = []): Buffer[] {
  const head = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8 + 4 * parts.length);
  prefix.writeUInt32BE(head.length, 0);
  prefix.writeUInt32BE(parts.length, 4);
  parts.forEach((p, i) => {
    if (p.length > MAX_PART) throw new RangeError(`a part of ${p.length} bytes does not fit a frame`);
    prefix.writeUInt32BE(p.length, 8 + 4 * i);
  });
  return [prefix, head, ...parts];
}

export class FrameError extends Error {
  override name = 'FrameError';
}

/**
 * Cuts a byte stream into frames. Chunks are kept as they come and joined once per frame, so a
 * large frame costs one copy whatever the number of chunks it came in.
 */
export class FrameDecoder<H = unknown> {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The whole frame's size once its prefix is known. */
  private need: { size: number; head: number; parts: number[] } | undefined;

  /** Adds bytes; returns the frames they complete (in order). Throws FrameError on a bad stream. */
  push(chunk: Buffer): Frame<H>[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame<H>[] = [];
    for (;;) {
      this.need ??= this.prefix();
      if (!this.need || this.buffered < this.need.size) return frames;
      frames.push(this.take(this.need));
      this.need = undefined;
    }
  }

  /** Bytes received that are not yet a whole frame (a stream that ends with some was cut). */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined;
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private prefix(): { size: number; head: number; parts: number[] } | undefined {
    const fixed = this.peek(8);
    if (!fixed) return undefined;
    const head = fixed.readUInt32BE(0);
    const count = fixed.readUInt32BE(4);
    if (head > MAX_HEADER || count > MAX_PARTS) throw new FrameError(`not a frame: header of ${head} bytes, ${count} parts`);
    const all = this.peek(8 + 4 * count);
    if (!all) return undefined;
    const parts = Array.from({ length: count }, (_, i) => all.readUInt32BE(8 + 4 * i));
    return { size: 8 + 4 * count + head + parts.reduce((a, b) => a + b, 0), head, parts };
  }

  private take(need: { size: number; head: number; parts: number[] }): Frame<H> {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const frame = all.subarray(0, need.size);
    const rest = all.subarray(need.size);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    let at = 8 + 4 * need.parts.length;
    let header: H;
    try {
      header = JSON.parse(frame.subarray(at, at + need.head).toString()) as H;
    } catch (err) {
      throw new FrameError(`a frame's header is not JSON: ${(err as Error).message}`);
    }
    at += need.head;
    const parts = need.parts.map((n) => frame.subarray(at, (at += n)));
    return { header, parts };
  }
}

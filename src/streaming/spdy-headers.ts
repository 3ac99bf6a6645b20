// SPDY/3 name/value header blocks (draft section 2.6.10): a 32-bit pair count, then length-prefixed
// names and values; several values of one name are joined by NUL. Each direction of a session
// compresses its blocks with one zlib stream seeded with the SPDY/3 dictionary and flushed with
// Z_SYNC_FLUSH after every block, so the contexts live as long as the session.
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import { SpdyProtocolError } from './spdy-frames.js';

/** Header names (lower-case) to their values. */
export type SpdyHeaders = Record<string, string[]>;

/** Largest decompressed header block accepted (a guard against zlib bombs). */
export const MAX_HEADER_BLOCK = 256 * 1024;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  let n = 0;
  for (const [name, values] of Object.entries(headers)) {
    if (!values.length) continue;
    const k = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    const kl = Buffer.alloc(4);
    kl.writeUInt32BE(k.length);
    const vl = Buffer.alloc(4);
    vl.writeUInt32BE(v.length);
    parts.push(kl, k, vl, v);
    n++;
  }
  count.writeUInt32BE(n);
  return Buffer.concat([count, ...parts]);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  if (block.length === 0) return out;
  if (block.length < 4) throw new SpdyProtocolError('header block too short');
  const n = block.readUInt32BE(0);
  let o = 4;
  const take = (): string => {
    if (o + 4 > block.length) throw new SpdyProtocolError('header block truncated');
    const len = block.readUInt32BE(o);
    o += 4;
    if (o + len > block.length) throw new SpdyProtocolError('header block truncated');
    const s = block.toString('utf8', o, o + len);
    o += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = take();
    const value = take();
    if (!name) throw new SpdyProtocolError('empty header name');
    if (name !== name.toLowerCase()) throw new SpdyProtocolError(`header name ${JSON.stringify(name)} is not lower-case`);
    if (out[name]) throw new SpdyProtocolError(`duplicate header ${JSON.stringify(name)}`);
    out[name] = value.split('\0');
  }
  return out;
}

/** First value of a header, case-insensitive name. */
export function headerValue(h: SpdyHeaders, name: string): string | undefined {
  return h[name.toLowerCase()]?.[0];
}

/**
 * One direction's zlib context: each call compresses (or inflates) one block and sync-flushes.
 * Output is taken as it comes ('data') and counted, so a block that inflates beyond its limit (a
 * zlib bomb: 16 MiB of compressed zeros is 16 GiB of output) fails as soon as it passes the limit
 * and the context is closed (the peer's later blocks depend on it: the session ends). Waiting for
 * the flush and reading afterwards would stall once the output filled the readable buffer.
 */
class ZContext {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The block in flight. */
  private current: { chunks: Buffer[]; size: number; limit: number; reject: (e: Error) => void } | undefined;

  constructor(private readonly z: zlib.Deflate | zlib.Inflate) {
    z.on('error', (err: Error) => this.fail(new SpdyProtocolError(`header block: ${err.message}`)));
    z.on('data', (c: Buffer) => {
      const cur = this.current;
      if (!cur) return;
      cur.size += c.length;
      if (cur.size > cur.limit) this.fail(new SpdyProtocolError(`header block inflates beyond ${cur.limit} bytes`));
      else cur.chunks.push(c);
    });
  }

  run(input: Buffer, limit: number): Promise<Buffer> {
    const p = this.queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.closed) {
            reject(new SpdyProtocolError('header compression context closed'));
            return;
          }
          const cur = { chunks: [] as Buffer[], size: 0, limit, reject };
          this.current = cur;
          this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            if (this.current !== cur) return; // failed (and rejected) meanwhile
            this.current = undefined;
            resolve(Buffer.concat(cur.chunks, cur.size));
          });
        }),
    );
    this.queue = p.catch(() => undefined);
    return p;
  }

  private fail(err: Error): void {
    const cur = this.current;
    this.current = undefined;
    cur?.reject(err);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const cur = this.current;
    this.current = undefined;
    cur?.reject(new SpdyProtocolError('header compression context closed'));
    this.z.destroy();
  }
}

const Z_OPTS = { dictionary: SPDY3_DICTIONARY };

/** Compresses outgoing header blocks of one session. */
export class HeaderCompressor {
  private readonly ctx = new ZContext(zlib.createDeflate({ ...Z_OPTS, level: zlib.constants.Z_BEST_COMPRESSION }));

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.ctx.run(encodeHeaderBlock(headers), Number.MAX_SAFE_INTEGER);
  }

  close(): void {
    this.ctx.close();
  }
}

/** Inflates incoming header blocks of one session. */
export class HeaderDecompressor {
  private readonly ctx = new ZContext(zlib.createInflate(Z_OPTS));

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    if (block.length === 0) return {};
    return decodeHeaderBlock(await this.ctx.run(block, MAX_HEADER_BLOCK));
  }

  close(): void {
    this.ctx.close();
  }
}

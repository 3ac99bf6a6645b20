// A blob's body that survives a broken connection: when the registry serves byte ranges, the rest
// is asked for from where the break happened and spliced in, so the hash, the store and the
// unpacker downstream never see the break (containerd's HTTP reader resumes the same way). Each
// resume takes one attempt of the blob's retry budget; without ranges, or once the budget is
// spent, the error goes on downstream and the caller starts the blob again or gives up.
import { Readable } from 'node:stream';
import { abandon, type BlobResponse } from './registry-client.js';

export interface ResumeOptions {
  /**
   * Called with the transport's error before a resume: waits the backoff, or throws (the fault
   * is not transient, or no attempt is left).
   */
  beforeResume: (err: unknown) => Promise<void>;
  /** Asks for the blob from `offset` on. */
  reopen: (offset: number) => Promise<BlobResponse>;
}

export function resumableBody(first: BlobResponse, o: ResumeOptions): Readable {
  if (!first.acceptRanges) return first.body;
  let current = first.body;
  async function* chunks(): AsyncGenerator<Buffer> {
    let offset = 0;
    // Bytes of the current answer to drop (a registry that ignored the Range sends it all).
    let skip = 0;
    for (;;) {
      try {
        for await (const c of current as AsyncIterable<Buffer>) {
          let chunk = c;
          if (skip) {
            const drop = Math.min(skip, chunk.length);
            skip -= drop;
            chunk = chunk.subarray(drop);
            if (!chunk.length) continue;
          }
          offset += chunk.length;
          yield chunk;
        }
        return;
      } catch (err) {
        abandon(current);
        // Nothing came yet: starting over costs nothing, the caller does that.
        if (offset === 0) throw err;
        await o.beforeResume(err);
        const next = await o.reopen(offset);
        current = next.body;
        skip = next.partial ? 0 : offset;
      }
    }
  }
  const out = Readable.from(chunks(), { objectMode: false });
  // Destroyed downstream (a refusal, a cancel): the connection goes too.
  out.once('close', () => {
    if (!current.readableEnded) abandon(current);
  });
  return out;
}

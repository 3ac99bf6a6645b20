// zstd layer decompression as a stream, with fzstd (pure JS, no native build): Node 20's zlib
// has no zstd.
import { Transform } from 'node:stream';
import { Decompress } from 'fzstd';

export function createZstdDecompress(): Transform {
  const d = new Decompress();
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        d.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        d.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  d.ondata = (chunk) => {
    if (chunk.length) t.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  return t;
}

// tar-stream decodes PAX records as UTF-8, which mangles binary xattr values (for example
// security.capability of setcap'd binaries). This wraps its PAX decoder so `SCHILY.xattr.*`
// values keep their bytes, as a latin1 string (one char per byte): Buffer.from(v, 'latin1').
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const XATTR = 'SCHILY.xattr.';

/** Raw PAX records "<len> <key>=<value>\n": xattr values as latin1 (byte-exact). */
export function binaryXattrs(buf: Uint8Array): Record<string, string> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Record<string, string> = {};
  let off = 0;
  while (off < b.length) {
    const sp = b.indexOf(0x20, off);
    if (sp === -1) break;
    const len = Number(b.toString('latin1', off, sp));
    if (!Number.isInteger(len) || len <= 0 || off + len > b.length) break;
    const rec = b.subarray(sp + 1, off + len - 1); // drop the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq !== -1) {
      const key = rec.toString('utf8', 0, eq);
      if (key.startsWith(XATTR)) out[key] = rec.toString('latin1', eq + 1);
    }
    off += len;
  }
  return out;
}

let installed = false;

export function installBinaryPax(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  // The package's exports hide headers.js; the absolute path is the module extract.js uses.
  const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as {
    decodePax: (buf: Uint8Array) => Record<string, string>;
  };
  const orig = headers.decodePax;
  headers.decodePax = (buf: Uint8Array) => ({ ...orig(buf), ...binaryXattrs(buf) });
}

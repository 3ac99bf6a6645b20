// Random names for temp files, lock tokens and stamps. node:crypto is loaded at the first call,
// not with the module: the store modules are on every read-only CLI verb's path, which never
// writes, and loading crypto was a tenth of such a verb's start-up.
import type * as Crypto from 'node:crypto';

let crypto: typeof Crypto | undefined;

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.randomBytes(bytes).toString('hex');
}

// Directories only one user may write (root's caches of compiled code and validated config): what
// is read from them is trusted, so a directory anyone else could write, or swap, is not used.
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Owned by `uid`, a real directory (not a link), and closed to group and others. */
function isPrivateDir(path: string, uid: number): boolean {
  const st = lstatSync(path);
  return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0;
}

/**
 * Makes `dir` (and its missing parents) mode 0700 and tells whether it and its parent are private
 * to `uid`: a parent others could write would let them swap the directory under us.
 */
export function privateCacheDir(dir: string, uid: number): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return isPrivateDir(dir, uid) && isPrivateDir(dirname(dir), uid);
  } catch {
    return false;
  }
}

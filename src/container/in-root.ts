// Paths inside an image's root filesystem, resolved as if chrooted there (openat2's RESOLVE_IN_ROOT,
// walked in user space): every symlink, absolute or relative, and every `..` is taken against the
// root, never the host, so an image whose etc is a symlink to /etc cannot make the runtime read
// the host's /etc/passwd. The root is a directory only root can write (a container's snapshot
// before it starts, or immutable layers), so nothing changes the tree during the walk.
import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** As Linux's MAXSYMLINKS: more links than this in one walk is a loop. */
export const MAX_SYMLINKS = 40;

export class InRootError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'ENOTDIR' | 'ELOOP',
    path: string,
  ) {
    super(`${code}: ${path} cannot be resolved inside the root filesystem`);
  }
}

function parts(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * The host path of `path` inside `root`, every component resolved within it. The last component
 * is not followed when it is a symlink and `followLast` is false. Throws InRootError when a
 * component is missing, a non-directory is walked through, or there are too many symlinks.
 */
export async function resolveInRoot(root: string, path: string, followLast = true): Promise<string> {
  const done: string[] = [];
  let todo = parts(path);
  let links = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop(); // `..` at the root stays at the root, as in a chroot
      continue;
    }
    const here = join(root, ...done, c);
    let st;
    try {
      st = await lstat(here);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new InRootError(code === 'ENOTDIR' ? 'ENOTDIR' : 'ENOENT', path);
    }
    if (st.isSymbolicLink() && (todo.length || followLast)) {
      if (++links > MAX_SYMLINKS) throw new InRootError('ELOOP', path);
      const target = await readlink(here);
      if (target.startsWith('/')) done.length = 0;
      todo = [...parts(target), ...todo];
      continue;
    }
    if (todo.length && !st.isDirectory()) throw new InRootError('ENOTDIR', path);
    done.push(c);
  }
  return join(root, ...done);
}

/**
 * A regular file's text inside the root ('' when it is missing, not a regular file, cannot be
 * resolved inside the root, or is larger than maxBytes).
 */
export async function readFileInRoot(root: string, path: string, maxBytes: number): Promise<string> {
  let real: string;
  try {
    real = await resolveInRoot(root, path);
  } catch (err) {
    if (err instanceof InRootError) return '';
    throw err;
  }
  let fh;
  try {
    // Only a regular file is opened: an image's device node or FIFO named passwd must not be
    // (opening a device can act on it; a FIFO would block). O_NOFOLLOW and O_NONBLOCK hold the
    // same line should the file be swapped between the check and the open.
    if (!(await lstat(real)).isFile()) return '';
    fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > maxBytes) return '';
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

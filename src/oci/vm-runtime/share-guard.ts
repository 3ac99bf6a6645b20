// The share is writable by the guest, and the guest is not trusted: root in it may replace any
// directory of the share with a symlink to a host path, hoping the host follows it when it makes a
// container's directory, bind-mounts a root filesystem, writes a script or removes a tree. So the
// host checks, before it writes under the share, that no component below the share's root is a
// symlink (or anything but a directory), and reads the guest's answers with O_NOFOLLOW. (A guest
// racing the check between lstat and use remains possible in principle; the names it would need
// are random and known only from the request, which is written after the directories are made.)
import { constants, lstat, open } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InternalError, isErrno } from '../../errors/catalog.js';

/** Throws when a directory between `share` and `path` (both included below the share) is not a plain directory. */
export async function assertPlainDirs(share: string, path: string): Promise<void> {
  const rel = relative(share, path);
  if (rel.startsWith('..')) throw new InternalError(`${path} is outside the VM share ${share}`);
  let p = share;
  for (const part of rel.split(sep).filter(Boolean)) {
    p = join(p, part);
    let st;
    try {
      st = await lstat(p);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return; // made by the caller, below a checked parent
      throw err;
    }
    if (!st.isDirectory()) throw new InternalError(`the VM share's ${p} is not a directory (replaced by the guest?): refused`);
  }
}

/** A guest-written file's bytes, never through a symlink. */
export async function readGuestFile(file: string): Promise<Buffer> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

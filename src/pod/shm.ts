// The pod's /dev/shm: a size-limited tmpfs mounted on the host and bind-mounted into every
// container of the pod (so they share POSIX shared memory).
import { mkdir } from 'node:fs/promises';
import { InternalError } from '../errors/catalog.js';
import { filesystemTarget, isOtherFsMount, unmountAll } from '../util/unmount.js';
import { complaintOf, runCommand } from '../util/command.js';

export async function mountShm(path: string, sizeBytes: number): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o755 });
  // Already mounted (a retried run): its own file system, told by st_dev without reading mountinfo.
  if (await isOtherFsMount(path)) return;
  await runCommand('mount', ['-t', 'tmpfs', '-o', `rw,nosuid,nodev,noexec,mode=1777,size=${sizeBytes}`, 'shm', path]).catch((err: unknown) => {
    throw new InternalError(`cannot mount the pod's /dev/shm at ${path}: ${complaintOf(err)}`, { cause: err });
  });
}

/** Unmounts (lazily if busy) and removes the mount point; idempotent. */
export function unmountShm(path: string): Promise<void> {
  return unmountAll([filesystemTarget(path)]);
}

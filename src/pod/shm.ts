// The pod's /dev/shm: a size-limited tmpfs mounted on the host and bind-mounted into every
// container of the pod (so they share POSIX shared memory).
import { mkdir } from 'node:fs/promises';
import { InternalError } from '../errors/catalog.js';
import { filesystemTarget, isOtherFsMount, unmountAll } from '../util/unmount.js';
import { CommandError, runCommand } from '../util/command.js';

export async function mountShm(path: string, sizeBytes: number): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o755 });
  // Already mounted (a retried run): its own file system, told by st_dev without reading mountinfo.
  if (await isOtherFsMount(path)) return;
  const err = await runCommand('mount', ['-t', 'tmpfs', '-o', `rw,nosuid,nodev,noexec,mode=1777,size=${sizeBytes}`, 'shm', path]).then(
    () => undefined,
    (e: unknown) => (e instanceof CommandError && e.stderr.trim()) || (e as Error).message,
  );
  if (err) throw new InternalError(`cannot mount the pod's /dev/shm at ${path}: ${err}`);
}

/** Unmounts (lazily if busy) and removes the mount point; idempotent. */
export function unmountShm(path: string): Promise<void> {
  return unmountAll([filesystemTarget(path)]);
}

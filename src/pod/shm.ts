// The pod's /dev/shm: a size-limited tmpfs mounted on the host and bind-mounted into every
// container of the pod (so they share POSIX shared memory).
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { InternalError } from '../errors/catalog.js';
import { isMountPoint } from '../network/netns.js';

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => execFile(cmd, args, (err, _o, stderr) => resolve(err ? stderr.trim() || err.message : undefined)));
}

export async function mountShm(path: string, sizeBytes: number): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o755 });
  if (await isMountPoint(path)) return;
  const err = await run('mount', ['-t', 'tmpfs', '-o', `rw,nosuid,nodev,noexec,mode=1777,size=${sizeBytes}`, 'shm', path]);
  if (err) throw new InternalError(`cannot mount the pod's /dev/shm at ${path}: ${err}`);
}

/** Unmounts (lazily if busy) and removes the mount point; idempotent. */
export async function unmountShm(path: string): Promise<void> {
  if (!path) return;
  if (await isMountPoint(path)) {
    const err = await run('umount', [path]);
    if (err && (await isMountPoint(path))) {
      const lazy = await run('umount', ['-l', path]);
      if (lazy) throw new InternalError(`cannot unmount ${path}: ${err}`);
    }
  }
  await rm(path, { recursive: true, force: true }).catch(() => undefined);
}

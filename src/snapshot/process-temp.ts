// Per-process temp directories under a shared parent: several processes (daemon, CLI verbs) can
// use one state root; at start each drops the leftovers of processes that are gone.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Removes dead processes' dirs in `parent` and creates this process's own; returns its path. */
export async function processTempDir(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  for (const name of await readdir(parent)) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) await rm(join(parent, name), { recursive: true, force: true });
  }
  const dir = join(parent, `${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

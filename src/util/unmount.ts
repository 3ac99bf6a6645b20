// Unmounting what a pod pinned or mounted (namespace files, its /dev/shm) at StopPodSandbox: which
// paths are mounted is told by statfs/stat (no read of a mountinfo that grows with every pod), and
// they all go in one `umount`; a busy one is detached lazily, as before.
import { stat, statfs, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InternalError } from '../errors/catalog.js';
import { complaintOf, runCommand } from './command.js';

/** statfs f_type of nsfs: a pinned namespace file is a bind mount of it. */
export const NSFS_MAGIC = 0x6e736673;

/** umount's complaint, or undefined when it succeeded. */
function run(args: string[]): Promise<string | undefined> {
  return runCommand('umount', args).then(() => undefined, complaintOf);
}

/** A pinned namespace file that is still mounted. */
export async function isNamespaceMount(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** A mount point of another file system than its parent's (a tmpfs on a dir, say). */
export async function isOtherFsMount(path: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([stat(path), stat(dirname(path))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
}

export interface UnmountTarget {
  path: string;
  kind: 'namespace' | 'filesystem';
  /** Delete the path afterwards (a namespace file, a mount point dir). */
  remove: boolean;
}

/** A pinned namespace file, deleted once unmounted. */
export function namespaceTarget(path: string): UnmountTarget {
  return { path, kind: 'namespace', remove: true };
}

/** A mounted file system (a tmpfs), its mount point deleted once unmounted. */
export function filesystemTarget(path: string): UnmountTarget {
  return { path, kind: 'filesystem', remove: true };
}

async function mounted(t: UnmountTarget): Promise<boolean> {
  return t.kind === 'namespace' ? isNamespaceMount(t.path) : isOtherFsMount(t.path);
}

/** Unmounts every mounted target in one umount, then removes them; missing ones are fine. */
export async function unmountAll(targets: UnmountTarget[]): Promise<void> {
  const list = targets.filter((t) => t.path);
  const live = (await Promise.all(list.map(async (t) => ((await mounted(t)) ? t : undefined)))).filter((t): t is UnmountTarget => !!t);
  if (live.length && (await run(live.map((t) => t.path)))) {
    // Some failed (busy, or stacked mounts): each one on its own, lazily as the last resort.
    for (const t of live) {
      for (let i = 0; i < 4 && (await mounted(t)); i++) {
        const err = await run([t.path]);
        if (err && (await mounted(t)) && (await run(['-l', t.path]))) throw new InternalError(`cannot unmount ${t.path}: ${err}`);
      }
    }
  }
  await Promise.all(list.filter((t) => t.remove).map((t) => rm(t.path, { recursive: true, force: true })));
}

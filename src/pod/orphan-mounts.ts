// What a pod pinned or mounted on the host (IPC/UTS namespace files, its network namespace, its
// /dev/shm under <run_root>/pods/<id>) outlives a record only when a crash came in between: every
// step that makes them runs after the record is written, and remove deletes the record last. Recovery
// sweeps such leftovers whose pod has no record, under the pod's lock (a run in flight in another
// process holds it while its record does not exist yet).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { filesystemTarget, namespaceTarget, unmountAll, type UnmountTarget } from '../util/unmount.js';
import { pinnedFileOwner } from './pinned-namespaces.js';

export interface OrphanSweepInput {
  pinnedDir: string;
  netnsDir: string;
  /** <run_root>/pods */
  podRunDir: string;
  hasRecord(id: string): Promise<boolean>;
  withLock(id: string, fn: () => Promise<void>): Promise<void>;
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** The pod-owned entries of the three dirs, by pod id (pure but for the listing). */
export async function podEntries(o: Pick<OrphanSweepInput, 'pinnedDir' | 'netnsDir' | 'podRunDir'>): Promise<Map<string, UnmountTarget[]>> {
  const byPod = new Map<string, UnmountTarget[]>();
  const add = (id: string, t: UnmountTarget) => byPod.set(id, [...(byPod.get(id) ?? []), t]);
  for (const n of await names(o.pinnedDir)) {
    const id = pinnedFileOwner(n);
    if (id) add(id, namespaceTarget(join(o.pinnedDir, n)));
  }
  for (const n of await names(o.netnsDir)) {
    const id = /^pod-([0-9a-f]{64})$/.exec(n)?.[1];
    if (id) add(id, namespaceTarget(join(o.netnsDir, n)));
  }
  for (const n of await names(o.podRunDir)) {
    if (/^[0-9a-f]{64}$/.test(n)) add(n, filesystemTarget(join(o.podRunDir, n, 'shm')));
  }
  return byPod;
}

/** Unmounts and deletes the leftovers of pods without a record; returns the ids swept. */
export async function sweepOrphanMounts(o: OrphanSweepInput): Promise<string[]> {
  const swept: string[] = [];
  for (const [id, targets] of await podEntries(o)) {
    if (await o.hasRecord(id)) continue;
    await o.withLock(id, async () => {
      if (await o.hasRecord(id)) return;
      await unmountAll(targets);
      await rm(join(o.podRunDir, id), { recursive: true, force: true });
      swept.push(id);
    });
  }
  return swept;
}

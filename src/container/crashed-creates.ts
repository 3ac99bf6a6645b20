// What a CreateContainer killed half-way leaves: a writable layer (prepared, often mounted) with
// no record yet, or a container dir whose meta.json/status.json are not both written. Neither can
// have a runtime container (the OCI create runs only after both files exist), so recovery unmounts
// and deletes them. Only under the container's lock, taken only when no live process holds it: a
// create in flight in another process (a CLI verb beside the daemon) holds it from before its
// first write until its last, so what is seen under the lock is never a create still running.
// Complete containers get the temp files of a status write that was killed before its rename
// removed the same way.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Snapshotter } from '../snapshot/types.js';
import { hasAtomicTemps, removeAtomicTemps } from '../store/atomic-file.js';
import type { KeyedLock } from './keyed-lock.js';

export interface CrashedCreateInput {
  containersDir: string;
  snapshots: Snapshotter;
  lock: KeyedLock;
  /** A pod with this id (a pause image's writable layer is keyed by its pod). */
  isPod(id: string): boolean;
  /** Look at these ids only (default: every container dir and writable layer). */
  only?: string[];
}

const ID = /^[0-9a-f]{64}$/;

async function complete(dir: string): Promise<boolean> {
  const [m, s] = await Promise.all([stat(join(dir, 'meta.json')).catch(() => undefined), stat(join(dir, 'status.json')).catch(() => undefined)]);
  return !!m && !!s;
}

/** Sweeps crashed creates; returns the ids it removed. */
export async function sweepCrashedCreates(o: CrashedCreateInput): Promise<string[]> {
  const dirs = (o.only ?? (await readdir(o.containersDir).catch(() => [] as string[]))).filter((n) => ID.test(n));
  const layers = (o.only ?? (await o.snapshots.activeKeys().catch(() => [] as string[]))).filter((n) => ID.test(n) && !o.isPod(n));
  const candidates = new Set<string>();
  for (const id of [...dirs, ...layers]) if (!(await complete(join(o.containersDir, id)))) candidates.add(id);
  const withTemps = new Set<string>();
  for (const id of dirs) if (!candidates.has(id) && (await hasAtomicTemps(join(o.containersDir, id)))) withTemps.add(id);
  const swept: string[] = [];
  for (const id of [...candidates, ...withTemps]) {
    if (await o.lock.heldElsewhere(id)) continue; // a create (or a write) running right now
    await o.lock.run(id, async () => {
      if (await complete(join(o.containersDir, id))) {
        await removeAtomicTemps(join(o.containersDir, id));
        return;
      }
      if (o.isPod(id)) return;
      await o.snapshots.remove(id);
      await rm(join(o.containersDir, id), { recursive: true, force: true });
      swept.push(id);
    });
  }
  return swept;
}

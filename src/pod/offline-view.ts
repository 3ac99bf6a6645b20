// The pods as the files say, for daemonless readers (`rktlet pods`, `app list`): the records, with
// what the engine would find at open applied to the view only. Nothing is written and no lock is
// taken, so a read never waits for (or disturbs) a daemon or verb at work; the engine's own
// recovery, at the next daemon start or mutating verb, writes what this view only shows.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { PodStore } from './store.js';
import { FileLocks } from '../store/file-locks.js';
import { infraAlive } from './infra-liveness.js';
import { pinnedNamespacesPresent } from './pinned-namespaces.js';
import type { PodRecord } from './types.js';

/** READY unless its infra (or its pinned namespaces) is gone, as PodController.refresh decides. */
async function liveState(rec: PodRecord): Promise<PodRecord> {
  if (rec.state !== 'SANDBOX_READY') return rec;
  const alive = rec.pinnedNamespaces ? await pinnedNamespacesPresent(rec) : await infraAlive(rec.infraPid, rec.infraStartTime, rec.exitDir, rec.id);
  return alive ? rec : { ...rec, state: 'SANDBOX_NOTREADY' };
}

/** Every pod with a readable record (filterPods orders them); a RunPodSandbox still at work elsewhere is left out (as the engine lists). */
export async function loadPods(config: Pick<Config, 'root' | 'run_root'>): Promise<PodRecord[]> {
  const store = new PodStore(config.root, config.run_root);
  const locks = new FileLocks(join(config.run_root, 'locks', 'pods'));
  // Made (0700) as the engine makes it, and read here so that a refusal (EACCES) is said, never
  // taken for an empty list (store.ids() reads past any error).
  await mkdir(store.podsDir, { recursive: true, mode: 0o700 });
  await readdir(store.podsDir);
  const out: PodRecord[] = [];
  for (const id of await store.ids()) {
    let rec: PodRecord | undefined;
    try {
      rec = store.loadSync(id);
    } catch {
      continue; // unreadable: the engine skips it too (and logs it)
    }
    if (!rec) continue; // a run that died before its first write, or one just starting
    // Another process's RunPodSandbox in flight (no infra yet, its lock held): not listed until ready.
    if (rec.state === 'SANDBOX_NOTREADY' && !rec.infraPid && (await locks.heldElsewhere(id))) continue;
    out.push(rec);
  }
  return Promise.all(out.map(liveState));
}

// The containers as the files say, for daemonless readers (CLI): the store plus exits conmon
// recorded that no daemon has written into status.json yet. Nothing is written.
import type { Config } from '../config/schema.js';
import { ContainerStore } from './store.js';
import { containersDir, exitDir } from './paths.js';
import { oomCounterFiles, readExitFile } from '../oci/conmon-runtime/exit-files.js';
import { exitReason } from './to-cri.js';
import type { ContainerRecord } from './types.js';

export async function loadContainers(config: Config): Promise<ContainerRecord[]> {
  const store = new ContainerStore(containersDir(config));
  await store.recover();
  const out: ContainerRecord[] = [];
  for (const r of store.list()) {
    if (r.status.state === 'running' || r.status.state === 'created') {
      const rep = await readExitFile(exitDir(config), r.meta.id, r.meta.bundle, oomCounterFiles(r.meta.cgroupsPath)).catch(() => undefined);
      if (rep) {
        out.push({
          meta: r.meta,
          status: { ...r.status, state: 'exited', pid: 0, exitCode: rep.exitCode, finishedAtNs: rep.finishedAtNs, reason: exitReason(rep.exitCode, rep.oomKilled) },
        });
        continue;
      }
    }
    out.push(r);
  }
  return out;
}

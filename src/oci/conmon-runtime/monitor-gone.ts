// Is anyone left to report a container's exit? conmon writes the exit file when the container's
// process ends; a conmon that died first (killed with a CLI verb that was still starting it, or
// by hand) never will, and the container would stay listed RUNNING or CREATED until the next
// start's recovery. The exit monitor's poll asks this of every running or created container with
// no exit file, from /proc (two small reads, no process spawned), and reconciles with the runtime
// only when the answer is yes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isContainerProcess } from '../../container/process-identity.js';

/** conmon writes its pid file once, at create: read once per bundle, not every poll round. */
const conmonPids = new Map<string, number>();

async function conmonPid(bundle: string): Promise<number> {
  const known = conmonPids.get(bundle);
  if (known) return known;
  const text = await readFile(join(bundle, 'conmon.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return 0; // not written yet: asked again next round
  conmonPids.set(bundle, pid);
  return pid;
}

/** Drops the cached pids of bundles no longer watched (removed containers). */
export function forgetMonitorsExcept(bundles: ReadonlySet<string>): void {
  for (const b of conmonPids.keys()) if (!bundles.has(b)) conmonPids.delete(b);
}

/**
 * True when the container's conmon is not running (its pid file names a process that is gone or
 * is no conmon), or, with no pid file, when the recorded container process is gone. A pid reused
 * by another conmon reads as alive: the safe side (the next start's recovery still reconciles).
 */
export async function monitorGone(r: { bundle: string; pid: number; createdAtNs: string }): Promise<boolean> {
  if (await conmonPid(r.bundle)) return !(await monitorRunning(r.bundle));
  return r.pid > 0 && !(await isContainerProcess(r.pid, r.createdAtNs));
}

/**
 * Whether the bundle's conmon (by its pid file) runs. conmon writes that file before it runs the
 * runtime's `create`: a create whose caller died (a CLI verb killed mid-create) goes on in it, and
 * the runtime may not know the container yet.
 */
export async function monitorRunning(bundle: string): Promise<boolean> {
  const pid = await conmonPid(bundle);
  if (!pid) return false;
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'conmon';
}

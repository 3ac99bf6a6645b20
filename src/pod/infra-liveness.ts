// Is the pod's infra still the process we started? A pid alone can be reused; the pid plus its
// start time (field 22 of /proc/<pid>/stat) cannot. Cheap enough for every ListPodSandbox.
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';

/** Field 22 (starttime, clock ticks since boot) of a /proc/<pid>/stat line (pure). */
export function parseStartTime(stat: string): string | undefined {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = stat.slice(close + 2).split(' ');
  return rest[19];
}

export async function processStartTime(pid: number): Promise<string | undefined> {
  if (!pid || pid <= 0) return undefined;
  try {
    return parseStartTime(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Alive when the pid still has the recorded start time and is no zombie (an init that does not
 * reap leaves one). One read of /proc/<pid>/stat: ListPodSandbox asks this for every pod. Only
 * a record without a start time falls back to conmon's exit file.
 */
export async function infraAlive(pid: number, startTime: string, exitDir: string, id: string): Promise<boolean> {
  if (!pid || pid <= 0) return false;
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
  if (startTime) return parseStartTime(stat) === startTime;
  try {
    await access(join(exitDir, id));
    return false;
  } catch {
    return true; // no exit file
  }
}

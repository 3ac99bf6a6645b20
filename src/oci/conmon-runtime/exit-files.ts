// How a container ended. conmon writes <exitDir>/<id> with the exit code when the process ends
// (its mtime is the finish time). OOM kills are seen in two ways: conmon's "oom" file (in its
// persist dir, the bundle) and the memory cgroup's oom_kill counter, which stays readable until
// the runtime deletes the container (and does not depend on where conmon was started).
import { pathExists } from '../../util/path-exists.js';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../errors/catalog.js';
import { trySliceDir, unitDir } from '../../systemd/unit-names.js';

export interface ExitReport {
  exitCode: number;
  finishedAtNs: string;
  oomKilled: boolean;
}

/** "oom_kill N" from memory.oom_control (v1) or memory.events (v2); 0 when unreadable. */
export function parseOomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The cgroup directory (relative to a hierarchy) of a runtime cgroupsPath, for either driver. */
export function cgroupDir(cgroupsPath: string): string | undefined {
  if (cgroupsPath.startsWith('/')) return cgroupsPath;
  // systemd: "slice:prefix:name" is the scope <prefix>-<name>.scope in that slice.
  const [slice, prefix, name] = cgroupsPath.split(':');
  if (!slice || !prefix || !name) return undefined;
  return trySliceDir(slice) === undefined ? undefined : unitDir(slice, `${prefix}-${name}.scope`);
}

/** The memory cgroup files that count OOM kills of a container (v1 and v2 layouts). */
export function oomCounterFiles(cgroupsPath: string, cgroupRoot = '/sys/fs/cgroup'): string[] {
  const dir = cgroupDir(cgroupsPath);
  if (!dir) return [];
  return [join(cgroupRoot, 'memory', dir, 'memory.oom_control'), join(cgroupRoot, dir, 'memory.events')];
}

async function oomKilled(bundle: string, counterFiles: string[]): Promise<boolean> {
  if (await pathExists(join(bundle, 'oom'))) return true;
  for (const f of counterFiles) {
    try {
      if (parseOomKills(await readFile(f, 'utf8')) > 0) return true;
    } catch {
      /* not this cgroup version, or already deleted */
    }
  }
  return false;
}

export async function readExitFile(exitDir: string, id: string, bundle: string, counterFiles: string[] = []): Promise<ExitReport | undefined> {
  const file = join(exitDir, id);
  let text: string;
  let mtimeNs: bigint;
  try {
    text = await readFile(file, 'utf8');
    mtimeNs = (await stat(file, { bigint: true })).mtimeNs;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  // conmon creates the file, then writes: an empty file is an exit being written right now.
  if (text.trim() === '') return undefined;
  const exitCode = Number.parseInt(text.trim(), 10);
  return {
    exitCode: Number.isNaN(exitCode) ? 255 : exitCode,
    finishedAtNs: mtimeNs.toString(),
    oomKilled: await oomKilled(bundle, counterFiles),
  };
}


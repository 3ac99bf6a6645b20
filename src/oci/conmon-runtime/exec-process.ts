// The process an exec runs, given to the runtime as a file (`exec --process FILE`) for runtimes
// whose `exec` does not take the container's own process settings: crun 1.8 runs `exec ID CMD` as
// uid 0 with no supplementary groups whatever the container's process.user (runc takes the
// container's). containerd always passes the container's process this way; rktlet does it for
// the handlers that need it (`execProcessFile`, decided at start: ../unified-cgroup.ts isCrun).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The container's process with the exec's command (pure): user, groups, env, cwd, capabilities kept. */
export function execProcess(containerProcess: Record<string, unknown>, cmd: readonly string[], tty: boolean): Record<string, unknown> {
  const { consoleSize: _size, ...rest } = containerProcess; // the exec's terminal is sized by its own session
  return { ...rest, args: [...cmd], terminal: tty };
}

/** Writes the exec's process file (0600) under `dir` from the container's bundle; returns its path. */
export async function writeExecProcess(bundle: string, cmd: readonly string[], tty: boolean, dir: string): Promise<string> {
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process?: Record<string, unknown> };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${randomBytes(8).toString('hex')}.json`);
  await writeFile(file, JSON.stringify(execProcess(spec.process ?? {}, cmd, tty)), { mode: 0o600 });
  return file;
}

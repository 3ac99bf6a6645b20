// Exec for a session (kubectl exec, crictl exec, `rktlet exec`): `<runtime> exec` in the container
// (its namespaces, cgroup, user and process settings come from its bundle), on plain pipes or,
// with a TTY, `exec --tty` on the pty relay so that resizes reach the container's terminal.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OciRuntimeError } from '../../errors/catalog.js';
import type { SessionStreams } from '../session-streams.js';
import { execArgv, type RuntimeCommandLine } from './command-line.js';
import { runProcess } from './process-session.js';

async function readPid(file: string): Promise<number> {
  try {
    return Number((await readFile(file, 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

/** Runs cmd in container `id` wired to the session; resolves with its exit code. `tmpBase`: a private dir for the pid file. */
export async function execSession(command: RuntimeCommandLine, tmpBase: string, id: string, cmd: string[], streams: SessionStreams, processFile?: string): Promise<{ exitCode: number }> {
  await mkdir(tmpBase, { recursive: true, mode: 0o700 });
  const tmp = await mkdtemp(join(tmpBase, 's-'));
  const pidFile = join(tmp, 'pid');
  try {
    const argv = execArgv(command, { id, cmd, pidFile, tty: streams.tty, ...(processFile ? { processFile } : {}) });
    const out = await runProcess(
      {
        command: argv[0]!,
        args: argv.slice(1),
        // The runtime forwards signals to the process but cannot forward SIGKILL: kill the process itself.
        onAbort: (child) => {
          void readPid(pidFile).then((pid) => {
            if (pid > 0) {
              try {
                process.kill(pid, 'SIGKILL');
              } catch {
                /* already gone */
              }
            }
            child.kill('SIGKILL');
          });
        },
      },
      streams,
    );
    // No pid file: the process never started, the runtime failed (bad command, container gone).
    if (out.exitCode !== 0 && (await readPid(pidFile)) === 0) {
      throw new OciRuntimeError(`${command.path} exec failed`, out.exitCode, out.stderr);
    }
    return { exitCode: out.exitCode };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

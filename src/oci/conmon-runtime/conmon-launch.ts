// conmon launches `runtime create`, then stays with the container: it writes the CRI log, the exit
// file and serves the attach socket. It double-forks (no --sync) and we start it in its own session,
// so neither conmon nor the container is ever a child of rktlet: the daemon can die at any time.
// With the systemd cgroup driver it also gets a transient scope named after its pod (conmonCommand).
import { readFile } from 'node:fs/promises';
import { OciRuntimeError } from '../../errors/catalog.js';
import { launchWithSyncPipe, type SyncPipeResult } from '../../util/command.js';
import { monitorScopeArgv } from '../../systemd/monitor-scope.js';

export interface ConmonLaunch {
  conmon: string;
  /** The runtime binary conmon runs (may be a wrapper script). */
  runtimePath: string;
  /** Global runtime arguments (e.g. `--root=/run/rktlet/runc`), placed before the subcommand. */
  runtimeArgs: string[];
  id: string;
  bundle: string;
  /** CRI log file; empty: no log. */
  logPath: string;
  exitDir: string;
  socketDir: string;
  /** conmon's own pid file. */
  conmonPidFile: string;
  /** The container's init pid file (written by the runtime). */
  containerPidFile: string;
  terminal: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  systemdCgroup: boolean;
  /** The container's pod (the infra's is its own id): names the systemd scope. */
  podId: string;
  logSizeMax?: number;
}

/** conmon's command line for one container (pure). */
export function conmonArgs(o: ConmonLaunch): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.id,
    '-u', o.id,
    '-n', o.id,
    '-r', o.runtimePath,
    '-b', o.bundle,
    '-p', o.containerPidFile,
    '-P', o.conmonPidFile,
    '-l', o.logPath ? `k8s-file:${o.logPath}` : 'none:',
    '--exit-dir', o.exitDir,
    '--socket-dir-path', o.socketDir,
    '--log-level', 'error',
  ];
  for (const a of o.runtimeArgs) args.push('--runtime-arg', a);
  if (o.systemdCgroup) args.push('-s');
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && !o.stdinOnce) args.push('--leave-stdin-open');
  if (o.logSizeMax && o.logSizeMax > 0) args.push('--log-size-max', String(o.logSizeMax));
  return args;
}

/**
 * conmon's command (pure). With the systemd cgroup driver it starts through `systemd-run --scope`
 * (../../systemd/monitor-scope.ts), which execs it in place, so the sync pipe passes through.
 */
export function conmonCommand(o: ConmonLaunch): { cmd: string; args: string[] } {
  if (!o.systemdCgroup) return { cmd: o.conmon, args: conmonArgs(o) };
  const [cmd, ...args] = monitorScopeArgv({ podId: o.podId, containerId: o.id }, [o.conmon, ...conmonArgs(o)]);
  return { cmd: cmd!, args };
}

interface SyncMessage {
  data?: number;
  message?: string;
}

/** Parses conmon's sync-pipe lines (`{"data": <pid>}` or `{"data": -1, "message": "…"}`). */
export function parseSyncMessage(line: string): SyncMessage | undefined {
  try {
    const m = JSON.parse(line) as SyncMessage;
    return typeof m === 'object' && m !== null ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts conmon and waits for the container's init pid (the runtime's `create` finished).
 * conmon's first process exits at once (it double-forks); the sync pipe stays open in the
 * grandchild, so we close our end after the first message.
 */
export async function launchConmon(o: ConmonLaunch, timeoutMs = 60_000): Promise<number> {
  const { cmd, args } = conmonCommand(o);
  let r: SyncPipeResult;
  try {
    r = await launchWithSyncPipe(cmd, args, {
      // conmon writes files such as `oom` into its working directory: keep them in the bundle.
      cwd: o.bundle,
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      syncEnv: '_OCI_SYNCPIPE',
      timeoutMs,
    });
  } catch (err) {
    throw new OciRuntimeError(`cannot start conmon ${o.conmon}`, null, '', { cause: err });
  }
  // No pid and conmon still alive: the runtime's create hangs. Left alone it could still make the
  // container after the CRI call failed and its record was rolled back: kill it now.
  if (!r.line && (await killConmonGroup(o.conmonPidFile))) {
    throw new OciRuntimeError(
      `creating container ${o.id} failed: ${o.runtimePath} create did not answer within ${timeoutMs / 1000} s (runtime.runtime_timeout_seconds); conmon and the runtime were killed`,
      null,
      r.stderr.replace(/.*oom_score_adj.*\n?/g, ''),
    );
  }
  const msg = r.line ? parseSyncMessage(r.line) : undefined;
  if (!msg || typeof msg.data !== 'number' || msg.data <= 0) {
    const detail = msg?.message ?? (r.line ? r.line : 'no answer from conmon');
    throw new OciRuntimeError(`creating container ${o.id} failed: ${detail}`, r.code, r.stderr.replace(/.*oom_score_adj.*\n?/g, ''));
  }
  return msg.data;
}

/**
 * SIGKILLs the conmon of a create that hung, with the runtime it started: conmon leads its own
 * session and process group (setsid), which its runtime child shares. The pid is checked to still
 * lead that group, so a reused pid is never hit. Whether it killed anything.
 */
export async function killConmonGroup(pidFile: string): Promise<boolean> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  if (pgid !== pid) return false;
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

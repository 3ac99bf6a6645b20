// ExecSync: `<runtime> exec` of a command in a running container's namespaces and cgroup, with the
// container's own process settings (user, env, capabilities: the runtime reads them from the
// bundle), a deadline and capped output. Short-lived: it need not survive the daemon.
// Latency matters (probes run it every few seconds per container): one launch (through the
// daemon's command helper, util/command.ts), and no trip through the libuv thread pool on the way
// (the pid file is a few bytes: read and removed synchronously, so a busy pool does not delay it).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, unlinkSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, DeadlineExceededError, OciRuntimeError, isErrno } from '../errors/catalog.js';
import type { RuntimeHandlerConfig } from '../config/schema.js';
import { execute, type Completion } from '../util/command.js';

export interface ExecSyncOptions {
  handler: RuntimeHandlerConfig;
  /** The runtime's state dir (`--root`). */
  root: string;
  id: string;
  cmd: string[];
  /** 0: no deadline. */
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Private directory (0700) for the runtime's pid files; default: a per-process one in the temp dir. */
  pidDir?: string;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** Where a handler keeps its state: its `root`, else <run_root>/oci/<handler> (as config loading fills it). */
export function runtimeRoot(handler: RuntimeHandlerConfig, name: string, runRoot: string): string {
  return handler.root || join(runRoot, 'oci', name);
}

/** The command line: the runtime directly, or inside a mount namespace without cgroup2's hybrid mount. */
export function execArgv(o: { handler: RuntimeHandlerConfig; root: string; id: string; cmd: string[]; pidFile: string }): string[] {
  const rt = [o.handler.path, '--root', o.root, ...o.handler.args, 'exec', '--pid-file', o.pidFile, o.id, ...o.cmd];
  if (!o.handler.hide_unified_cgroup) return rt;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh', ...rt];
}

const ERR_HEAD = 4096;

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
}

const madeDirs = new Set<string>();
let ownTmp: string | undefined;

/** The pid directory, created once per process (0700); the default one is made by mkdtemp. */
function pidDirOf(dir: string | undefined): string {
  if (!dir) return (ownTmp ??= mkdtempSync(join(tmpdir(), 'rktlet-exec-')));
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    madeDirs.add(dir);
  }
  return dir;
}

export async function execSync(o: ExecSyncOptions): Promise<ExecSyncResult> {
  const pidFile = join(pidDirOf(o.pidDir), `${randomBytes(8).toString('hex')}.pid`);
  try {
    const argv = execArgv({ ...o, pidFile });
    let why: 'timeout' | 'cancel' | undefined;
    const stop = new AbortController();
    // Kill the command itself (runc forwards signals, but not SIGKILL), then the runtime.
    const kill = (reason: 'timeout' | 'cancel'): void => {
      why ??= reason;
      let pid = 0;
      try {
        pid = readPid(pidFile);
      } catch {
        /* unreadable: the runtime's own kill below still ends the exec */
      }
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      stop.abort();
    };
    const timer = o.timeoutMs > 0 ? setTimeout(() => kill('timeout'), o.timeoutMs) : undefined;
    const onAbort = (): void => kill('cancel');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let c: Completion;
    try {
      // At least the start of stderr whatever the cap: the message when the runtime itself fails.
      c = await execute(argv[0]!, argv.slice(1), { signal: stop.signal, maxOutputBytes: Math.max(o.maxOutputBytes, ERR_HEAD) });
    } catch (err) {
      throw new OciRuntimeError(`cannot run ${argv[0]}`, null, '', { cause: err });
    } finally {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }

    if (why === 'timeout') throw new DeadlineExceededError(`command ${JSON.stringify(o.cmd)} timed out after ${o.timeoutMs} ms`);
    if (why === 'cancel') throw new CancelledError('exec cancelled');
    // The runtime itself failed (no such container, no pid written): not the command's exit code.
    if (readPid(pidFile) === 0) {
      throw new OciRuntimeError(`${o.handler.path} exec ${o.id} failed`, c.code, c.stderr.subarray(0, ERR_HEAD).toString());
    }
    const cap = (b: Buffer) => b.subarray(0, o.maxOutputBytes);
    return { stdout: cap(c.stdout), stderr: cap(c.stderr), exitCode: c.code ?? 128 + (c.signal ? signalNumber(c.signal) : 0) };
  } finally {
    try {
      unlinkSync(pidFile);
    } catch {
      /* never written (the runtime failed early) */
    }
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[sig] ?? 0;
}

// ExecSync: `<runtime> exec` of a command in a running container's namespaces and cgroup, with the
// container's own process settings (user, env, capabilities: the runtime reads them from the
// bundle), a deadline and capped output. Short-lived: it need not survive the daemon.
// Latency matters (probes run it every few seconds per container): one launch (through the
// daemon's command helper, util/command.ts), and no trip through the libuv thread pool on the way
// (the pid file is a few bytes: read and removed synchronously, so a busy pool does not delay it).
import { randomBytes } from 'node:crypto';
import { commandNotStarted, complaintOf } from '../exec-failure.js';
import { mkdirSync, mkdtempSync, readFileSync, unlinkSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, DeadlineExceededError, FailedPreconditionError, OciRuntimeError, isErrno } from '../../errors/catalog.js';
import { saysNotRunning } from '../runtime-complaints.js';
import { execute, type Completion } from '../../util/command.js';
import type { ExecSyncRequest, ExecSyncResult } from '../runtime.js';
import { execArgv, type RuntimeCommandLine } from './command-line.js';

export interface ExecSyncOptions extends ExecSyncRequest {
  /** The handler's runtime command line (./command-line.ts). */
  command: RuntimeCommandLine;
  /** Private directory (0700) for the runtime's pid files; default: a per-process one in the temp dir. */
  pidDir?: string;
  /** The exec's process as a file (./exec-process.ts): the runtime takes the command from it. */
  processFile?: string;
}

/** Captured whatever the cap, so a runtime complaint quoting a long command keeps its end (ARG_MAX is 2 MiB). */
const ERR_CAPTURE = 2 * 1024 * 1024;

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

/**
 * How long, after the deadline, the runtime gets to report the command's pid (it writes the pid
 * file once the process exists) before it is killed itself. A runtime killed before that may leave
 * the command starting on its own, so it is the last resort, not the first move.
 */
const PID_WAIT_MS = 10_000;
/** After the command is killed, how long the runtime gets to reap it and exit. */
const REAP_WAIT_MS = 5_000;
const POLL_MS = 10;

/** The process's start time (field 22 of /proc/<pid>/stat) and whether it is still running (not a zombie). */
function procState(pid: number): { start: string; live: boolean } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { start: f[19] ?? '', live: f[0] !== 'Z' && f[0] !== 'X' };
  } catch {
    return undefined;
  }
}

function sigkill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * Ends a timed-out or cancelled exec so that the command is gone before the caller answers
 * (critest looks for it right after DEADLINE_EXCEEDED). The command is killed by its pid once the
 * runtime has written it; the runtime, which waits for its child, then reaps it and exits. Killing
 * the runtime first (as before) could leave a command it was still starting running in the
 * container: under load `runc exec` may not have written the pid by a 1 s deadline.
 */
async function endExec(pidFile: string, done: Promise<unknown>, abortRuntime: () => void): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  let killed: { pid: number; start: string } | undefined;
  const killCommand = (): void => {
    const pid = readPidQuiet(pidFile);
    const st = pid > 0 ? procState(pid) : undefined;
    if (!st) return;
    killed ??= { pid, start: st.start };
    if (st.start === killed.start) sigkill(pid);
  };
  for (let waited = 0; !finished && !killed && waited < PID_WAIT_MS; waited += POLL_MS) {
    killCommand();
    if (!killed) await sleep(POLL_MS);
  }
  for (let waited = 0; !finished && waited < REAP_WAIT_MS; waited += POLL_MS) await sleep(POLL_MS);
  if (!finished) abortRuntime();
  await done.catch(() => undefined);
  // The runtime is gone. A pid it wrote but did not reap (it was killed) is killed now, and waited
  // for until it is dead (a zombie of the container's init at most).
  killCommand();
  if (!killed) return;
  for (let waited = 0; waited < REAP_WAIT_MS; waited += POLL_MS) {
    const st = procState(killed.pid);
    if (!st || !st.live || st.start !== killed.start) return;
    sigkill(killed.pid);
    await sleep(POLL_MS);
  }
}

function readPidQuiet(file: string): number {
  try {
    return readPid(file);
  } catch {
    return 0;
  }
}

export async function execSync(o: ExecSyncOptions): Promise<ExecSyncResult> {
  if (o.signal?.aborted) throw new CancelledError('exec cancelled');
  const pidFile = join(pidDirOf(o.pidDir), `${randomBytes(8).toString('hex')}.pid`);
  try {
    const argv = execArgv(o.command, { id: o.id, cmd: o.cmd, pidFile, ...(o.processFile ? { processFile: o.processFile } : {}) });
    let why: 'timeout' | 'cancel' | undefined;
    const stop = new AbortController();
    let ending: Promise<void> | undefined;
    let running: Promise<Completion> | undefined;
    const end = (reason: 'timeout' | 'cancel'): void => {
      why ??= reason;
      if (running) ending ??= endExec(pidFile, running, () => stop.abort());
    };
    const timer = o.timeoutMs > 0 ? setTimeout(() => end('timeout'), o.timeoutMs) : undefined;
    const onAbort = (): void => end('cancel');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let c: Completion;
    try {
      // At least the start of stderr whatever the cap: the message when the runtime itself fails.
      running = execute(argv[0]!, argv.slice(1), { signal: stop.signal, maxOutputBytes: Math.max(o.maxOutputBytes, ERR_CAPTURE) });
      c = await running;
    } catch (err) {
      throw new OciRuntimeError(`cannot run ${argv[0]}`, null, '', { cause: err });
    } finally {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      await ending;
    }

    if (why === 'timeout') throw new DeadlineExceededError(`command ${JSON.stringify(o.cmd)} timed out after ${o.timeoutMs} ms`);
    if (why === 'cancel') throw new CancelledError('exec cancelled');
    // The runtime itself failed (no such container, no pid written): not the command's exit code.
    if (readPid(pidFile) === 0) {
      const head = complaintOf(c.stderr);
      if (saysNotRunning(head)) throw new FailedPreconditionError(`container ${o.id} is not running (it stopped meanwhile)`);
      // The command itself could not be started (not in the image, not executable): its answer,
      // as a shell gives it, not a runtime failure.
      const notStarted = commandNotStarted(head);
      if (notStarted) return { stdout: Buffer.alloc(0), stderr: Buffer.from(`${notStarted.message}\n`), exitCode: notStarted.exitCode };
      throw new OciRuntimeError(`${o.command.path} exec ${o.id} failed`, c.code, head);
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

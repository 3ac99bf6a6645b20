// ExecSync: `<runtime> exec` of a command in a running container's namespaces and cgroup, with the
// container's own process settings (user, env, capabilities: the runtime reads them from the
// bundle), a deadline and capped output. Short-lived, so it is our child: nothing to survive.
// Latency matters (probes run it every few seconds per container): one spawn, and no trip through
// the libuv thread pool on the way (the pid file is a few bytes: read and removed synchronously,
// so a pool busy with other work does not delay the answer).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, unlinkSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, DeadlineExceededError, OciRuntimeError, isErrno } from '../errors/catalog.js';
import type { RuntimeHandlerConfig } from '../config/schema.js';

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

/** Keeps the first `max` bytes of a stream and drops the rest (still draining it). */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    if (this.size >= this.max) return;
    const take = b.subarray(0, this.max - this.size);
    this.chunks.push(take);
    this.size += take.length;
  }
  get value(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The command line: the runtime directly, or inside a mount namespace without cgroup2's hybrid mount. */
export function execArgv(o: { handler: RuntimeHandlerConfig; root: string; id: string; cmd: string[]; pidFile: string }): string[] {
  const rt = [o.handler.path, '--root', o.root, ...o.handler.args, 'exec', '--pid-file', o.pidFile, o.id, ...o.cmd];
  if (!o.handler.hide_unified_cgroup) return rt;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh', ...rt];
}

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
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new CappedBuffer(o.maxOutputBytes);
    const err = new CappedBuffer(o.maxOutputBytes);
    // The start of stderr whatever the cap, for the message when the runtime itself fails.
    const errHead = new CappedBuffer(4096);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      errHead.push(b);
    });

    let why: 'timeout' | 'cancel' | undefined;
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
      child.kill('SIGKILL');
    };
    const timer = o.timeoutMs > 0 ? setTimeout(() => kill('timeout'), o.timeoutMs) : undefined;
    const onAbort = (): void => kill('cancel');
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const { code, sig, spawnError } = await new Promise<{ code: number | null; sig: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
      child.once('error', (e) => resolve({ code: null, sig: null, spawnError: e }));
      child.once('close', (c, s) => resolve({ code: c, sig: s }));
    });
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);

    if (why === 'timeout') throw new DeadlineExceededError(`command ${JSON.stringify(o.cmd)} timed out after ${o.timeoutMs} ms`);
    if (why === 'cancel') throw new CancelledError('exec cancelled');
    if (spawnError) throw new OciRuntimeError(`cannot run ${argv[0]}`, null, '', { cause: spawnError });
    const stderr = err.value;
    // The runtime itself failed (no such container, no pid written): not the command's exit code.
    if (readPid(pidFile) === 0) {
      throw new OciRuntimeError(`${o.handler.path} exec ${o.id} failed`, code, errHead.value.toString());
    }
    return { stdout: out.value, stderr, exitCode: code ?? 128 + (sig ? signalNumber(sig) : 0) };
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

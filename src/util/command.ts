// Starting the programs the daemon drives (mount, runc, conmon, CNI plugins, unshare…) through one
// of two launchers:
//   - direct: node's child_process. libuv forks the whole Node process for every child, so a
//     launch costs time in proportion to the daemon's memory (here 2.6 ms at 50 MiB RSS, 14 ms at
//     170 MiB) and blocks the event loop meanwhile.
//   - helper: a small python3 process (src/helpers/command_helper.py, 11 MiB RSS; CPython launches
//     with vfork) started once, which launches each program on request, in binary frames
//     (util/frames.ts) over its stdin/stdout (1.5 ms, 0.2 ms of daemon CPU; bench/command-helper.ts).
//     The daemon turns it on; short-lived CLI processes keep the direct launcher, whose one fork is
//     cheaper than starting the helper.
// Both give the same results. Without python3 everything runs directly; when the helper dies, the
// launches it had taken fail (they may have run: running them again could do a step twice) and
// the next one starts a new helper.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { helperFile } from '../helpers/programs.js';
import { encodeFrame, FrameDecoder, type Frame } from './frames.js';

export interface CommandOptions {
  /** Bytes for the command's stdin (closed after). Without it stdin is empty. */
  input?: string | Buffer;
  /** The whole environment (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the command (SIGKILL) after this long; 0 or unset: no limit. */
  timeoutMs?: number;
  /** Kills the command (SIGKILL) when aborted. */
  signal?: AbortSignal;
  /** Keeps at most this many bytes of each of stdout and stderr (the rest is read and dropped). */
  maxOutputBytes?: number;
}

/** How a command ended; `execute` resolves with it whatever the exit code. */
export interface Completion {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Killed for its timeout. */
  timedOut: boolean;
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** A command that could not start, exited non-zero, was killed or timed out (shaped like execFile's error). */
export class CommandError extends Error {
  constructor(
    message: string,
    /** The exit code, or the errno code (e.g. 'ENOENT') when it could not start; null when killed. */
    readonly code: number | string | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly killed = false,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** What a failed command said: its stderr, else the error's message. */
export function complaintOf(err: unknown): string {
  return ((err instanceof CommandError && err.stderr.trim()) || (err instanceof Error ? err.message : String(err))).trim();
}

/** Starting a monitor (conmon) that reports on a sync pipe and daemonizes. */
export interface SyncPipeLaunch {
  /** The whole environment; `syncEnv` is added, naming the pipe's fd. */
  env: Record<string, string>;
  /** The variable that tells the command its sync pipe's fd (conmon: _OCI_SYNCPIPE). */
  syncEnv: string;
  cwd?: string;
  /** How long to wait for the first line. */
  timeoutMs: number;
}

export interface SyncPipeResult {
  /** The first line written on the sync pipe; undefined when none came in time. */
  line: string | undefined;
  /** The first process's exit code, when no line came and it exited within a second. */
  code: number | null;
  /** What the first process wrote to stderr. */
  stderr: string;
}

function describe(file: string, args: readonly string[]): string {
  return [file, ...args].join(' ');
}

function errnoName(n: number): string {
  for (const [name, num] of Object.entries(osConstants.errno)) if (num === n) return name;
  return n ? `E${n}` : 'EUNKNOWN';
}

function signalName(n: number): NodeJS.Signals | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}

/** Keeps the first `max` bytes of a stream and drops the rest. */
class Capped {
  private readonly chunks: Buffer[] = [];
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

/** Runs a command with node's child_process to its end (stdio closed). */
export function executeDirect(file: string, args: readonly string[], o: CommandOptions = {}): Promise<Completion> {
  return new Promise((resolve, reject) => {
    // Its own process group (detached), so a kill reaches the children it started too.
    const child = spawn(file, args, { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out = new Capped(o.maxOutputBytes ?? Infinity);
    const err = new Capped(o.maxOutputBytes ?? Infinity);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const kill = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      // A child that left the group may hold our pipes open: stop waiting for them.
      setTimeout(() => (child.stdout.destroy(), child.stderr.destroy()), 2000).unref();
    };
    const timer = o.timeoutMs ? setTimeout(() => ((timedOut = true), kill()), o.timeoutMs) : undefined;
    o.signal?.addEventListener('abort', kill, { once: true });
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish();
      reject(new CommandError(e.message, e.code ?? null, null, '', ''));
    });
    child.once('close', (code, signal) => {
      finish();
      resolve({ code, signal, stdout: out.value, stderr: err.value, timedOut });
    });
    // A command that exits without reading its stdin makes writing it fail (EPIPE): no matter.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
    if (o.signal?.aborted) kill();
  });
}

function readFirstLine(stream: Readable, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (v: string | undefined) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    stream.on('data', (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    });
    stream.once('end', () => done(buf || undefined));
    stream.once('error', () => done(buf || undefined));
  });
}

/**
 * Starts a command in its own session with a sync pipe at fd 3 and waits for its first line. The
 * command's first process may exit (it double-forks) while its child keeps the pipe open: our end
 * is closed after the first line.
 */
export async function launchDirect(file: string, args: readonly string[], o: SyncPipeLaunch): Promise<SyncPipeResult> {
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    cwd: o.cwd,
    env: { ...o.env, [o.syncEnv]: '3' },
    detached: true, // its own session: signals to our process group never reach it
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.resume();
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err: NodeJS.ErrnoException) => reject(new CommandError(err.message, err.code ?? null, null, '', '')));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const line = await readFirstLine(child.stdio[3] as Readable, o.timeoutMs);
  child.unref();
  const code = line ? null : await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
  return { line, code, stderr };
}

/** A reply frame's header; its parts are [stdout, stderr] for a run, [stderr] for a launch. */
interface Reply {
  id: number;
  code?: number | null;
  timeout?: boolean;
  line?: string;
  errno?: number;
  error?: string;
}

/** A launch the helper has taken: how to answer it from a reply, run it directly, or fail it. */
interface Pending {
  answer: (r: Frame<Reply>) => void;
  runDirect: () => void;
  helperGone: () => void;
}

function startError(file: string, r: Reply): CommandError {
  const code = errnoName(r.errno ?? 0);
  return new CommandError(`spawn ${file} ${code}: ${r.error ?? ''}`, code, null, '', '');
}

const NONE = Buffer.alloc(0);

function completionOf({ header: r, parts }: Frame<Reply>): Completion {
  const code = r.code ?? null;
  const killed = code !== null && code < 0;
  return {
    code: killed ? null : code,
    signal: killed ? signalName(-code) : null,
    stdout: parts[0] ?? NONE,
    stderr: parts[1] ?? NONE,
    timedOut: r.timeout === true,
  };
}

function launchResultOf({ header: r, parts }: Frame<Reply>): SyncPipeResult {
  return { line: r.line || undefined, code: r.code ?? null, stderr: (parts[0] ?? NONE).toString() };
}

/** The python3 helper and the launches waiting for its replies. */
export class CommandHelper {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private broken = false;

  constructor(
    private readonly python = 'python3',
    private readonly script = helperFile('command_helper.py'),
  ) {}

  /** Runs a command to its end through the helper (directly when the helper cannot be used). */
  execute(file: string, args: readonly string[], o: CommandOptions = {}): Promise<Completion> {
    const id = this.nextId++;
    const kill = (): void => this.send({ kill: id });
    o.signal?.addEventListener('abort', kill, { once: true });
    const req = {
      env: o.env,
      cwd: o.cwd,
      timeout: o.timeoutMs ? o.timeoutMs / 1000 : undefined,
      cap: o.maxOutputBytes,
      killable: o.signal !== undefined,
    };
    const input = o.input === undefined ? NONE : Buffer.from(o.input);
    const done = this.call(id, file, args, req, [input], completionOf, () => executeDirect(file, args, o));
    if (o.signal?.aborted) kill();
    return done.finally(() => o.signal?.removeEventListener('abort', kill));
  }

  /** Starts a sync-pipe command through the helper (directly when the helper cannot be used). */
  launch(file: string, args: readonly string[], l: SyncPipeLaunch): Promise<SyncPipeResult> {
    const req = { env: l.env, syncEnv: l.syncEnv, cwd: l.cwd, timeout: l.timeoutMs / 1000 };
    return this.call(this.nextId++, file, args, req, [], launchResultOf, () => launchDirect(file, args, l));
  }

  /** Stops taking launches; the helper finishes those it has, answers them and exits. */
  close(): void {
    this.broken = true;
    this.child?.stdin?.end();
  }

  /** The helper's pid (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends request `id` to the helper and answers with `decode` of its reply; `direct` without a helper. */
  private call<T>(id: number, file: string, args: readonly string[], req: object, parts: Buffer[], decode: (r: Frame<Reply>) => T, direct: () => Promise<T>): Promise<T> {
    const child = this.ensure();
    if (!child?.stdin?.writable) return direct();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        answer: (r) => (r.header.errno !== undefined ? reject(startError(file, r.header)) : resolve(decode(r))),
        runDirect: () => void direct().then(resolve, reject),
        helperGone: () => reject(new CommandError(`${describe(file, args)}: the command helper exited before it answered`, 'EHELPER', null, '', '')),
      });
      this.send({ id, argv: [file, ...args], ...req }, parts);
    });
  }

  private send(header: object, parts: Buffer[] = []): void {
    const stdin = this.child?.stdin;
    if (!stdin?.writable) return;
    const pieces = encodeFrame(header, parts);
    // A small request in one write (pieces would wake the helper once each); a big stdin uncopied.
    if (pieces.reduce((n, p) => n + p.length, 0) <= 65536) stdin.write(Buffer.concat(pieces));
    else for (const piece of pieces) stdin.write(piece);
  }

  private ensure(): ChildProcess | undefined {
    if (this.broken) return undefined;
    if (this.child) return this.child;
    // A build without the helper's files (tsc alone) runs everything directly, as without python3.
    if (!existsSync(this.script)) {
      this.broken = true;
      return undefined;
    }
    // The script by its path, so its folder on sys.path gives it framing.py (-E -s: no PYTHON*
    // variables, no user site; not -I, which would drop that folder). The last word is only for
    // `ps`: the name the helper has always shown.
    const child = spawn(this.python, ['-E', '-s', '-u', this.script, 'rktlet-command-helper'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.once('error', () => this.lost(child, true));
    child.once('close', () => this.lost(child, false));
    child.stdin.on('error', () => undefined); // EPIPE when it died: 'close' settles the launches
    const frames = new FrameDecoder<Reply>();
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        for (const f of frames.push(chunk)) this.reply(f);
      } catch {
        // Not our helper's frames: stop it; 'close' fails what it had taken, the next launch starts another.
        child.kill('SIGKILL');
      }
    });
    return child;
  }

  private reply(f: Frame<Reply>): void {
    const p = this.pending.get(f.header.id);
    if (!p) return;
    this.pending.delete(f.header.id);
    p.answer(f);
  }

  /**
   * The helper could not start (nothing it was given ran: run it directly, and keep doing so) or
   * went away (what it had not answered fails; the next launch starts another).
   */
  private lost(child: ChildProcess, cannotStart: boolean): void {
    if (this.child === child) this.child = undefined;
    if (cannotStart) this.broken = true;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      if (cannotStart) p.runDirect();
      else p.helperGone();
    }
  }
}

let helper: CommandHelper | undefined;

/** Routes launches through a python3 helper (the daemon) or not (the CLI, the default). */
export function useCommandHelper(on: boolean, python = 'python3'): void {
  if (!on) {
    helper?.close();
    helper = undefined;
  } else helper ??= new CommandHelper(python);
}

/** Runs a command to its end; resolves whatever its exit code, rejects when it could not start. */
export function execute(file: string, args: readonly string[], o: CommandOptions = {}): Promise<Completion> {
  return helper ? helper.execute(file, args, o) : executeDirect(file, args, o);
}

/** A completion as execFile gives it: output as text, CommandError unless it exited 0. */
export function outputOf(file: string, args: readonly string[], c: Completion): CommandOutput {
  const stdout = c.stdout.toString();
  const stderr = c.stderr.toString();
  if (c.code === 0 && !c.timedOut) return { stdout, stderr };
  throw new CommandError(`Command failed: ${describe(file, args)}\n${stderr}`, c.code, c.signal, stdout, stderr, c.timedOut);
}

/** Runs a command to completion (execFile's way) through the current launcher. */
export async function runCommand(file: string, args: readonly string[], o: CommandOptions = {}): Promise<CommandOutput> {
  return outputOf(file, args, await execute(file, args, o));
}

/** Starts a command that reports on a sync pipe and daemonizes (conmon), through the helper when on. */
export function launchWithSyncPipe(file: string, args: readonly string[], l: SyncPipeLaunch): Promise<SyncPipeResult> {
  return helper ? helper.launch(file, args, l) : launchDirect(file, args, l);
}

// Running a short command to completion (mount, runc start, CNI plugins, unshare…), the way
// execFile does, through one of two launchers:
//   - direct: node's child_process. libuv forks the whole Node process for every child, so a
//     launch costs time in proportion to the daemon's memory (here 2.6 ms at 50 MiB RSS, 9 ms at
//     150 MiB, 23 ms at 450 MiB) and blocks the event loop meanwhile.
//   - helper: a small python3 process (a few MiB; CPython launches with vfork) started once, which
//     runs each command on request over its stdin/stdout. The daemon turns it on; short-lived CLI
//     processes keep the direct launcher, whose one fork is cheaper than starting the helper.
// Both give the same result. Without python3 calls run directly; when the helper dies, the calls it
// had taken fail (they may have run: running them again could do a step twice) and the next call
// starts a new helper.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { createInterface } from 'node:readline';

export interface CommandOptions {
  /** Bytes for the command's stdin (closed after). Without it stdin is empty. */
  input?: string | Buffer;
  /** The whole environment (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the command (SIGKILL) after this long; 0: no limit. */
  timeoutMs?: number;
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

function describe(file: string, args: readonly string[]): string {
  return [file, ...args].join(' ');
}

/** Runs a command with node's child_process. */
export function runDirect(file: string, args: readonly string[], o: CommandOptions = {}): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: o.env, cwd: o.cwd, timeout: o.timeoutMs ?? 0, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals | null; killed?: boolean };
        // A command that could not start has the errno as its code and says so in its message.
        const message = typeof e.code === 'string' ? e.message : `Command failed: ${describe(file, args)}\n${stderr}`;
        reject(new CommandError(message, e.code ?? null, e.signal ?? null, stdout, stderr, e.killed ?? false));
      },
    );
    // A command that exits without reading its stdin makes writing it fail (EPIPE): no matter.
    child.stdin?.on('error', () => undefined);
    if (o.input === undefined) child.stdin?.end();
    else child.stdin?.end(o.input);
  });
}

// The helper: one JSON request per line in, one JSON reply per line out, a thread per request.
// The reply carries the exit code (negative: killed by that signal) or the errno of a failed start.
const HELPER_PY = String.raw`
import base64, json, os, subprocess, sys, threading
lock = threading.Lock()
def reply(o):
    data = (json.dumps(o) + "\n").encode()
    with lock:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
def b64(b):
    return base64.b64encode(b or b"").decode()
def run(r):
    try:
        p = subprocess.run(r["argv"], input=base64.b64decode(r["input"]), capture_output=True,
                           env=r.get("env"), cwd=r.get("cwd"), timeout=r.get("timeout"))
        reply({"id": r["id"], "code": p.returncode, "stdout": b64(p.stdout), "stderr": b64(p.stderr)})
    except subprocess.TimeoutExpired as e:
        reply({"id": r["id"], "timeout": True, "stdout": b64(e.stdout), "stderr": b64(e.stderr)})
    except OSError as e:
        reply({"id": r["id"], "errno": e.errno, "error": e.strerror or str(e)})
    except Exception as e:
        reply({"id": r["id"], "errno": 0, "error": str(e)})
threads = []
for line in sys.stdin.buffer:
    t = threading.Thread(target=run, args=(json.loads(line),))
    t.start()
    threads = [x for x in threads if x.is_alive()] + [t]
for t in threads:
    t.join()
`;

interface Reply {
  id: number;
  code?: number;
  stdout?: string;
  stderr?: string;
  timeout?: boolean;
  errno?: number;
  error?: string;
}

interface Pending {
  file: string;
  args: readonly string[];
  o: CommandOptions;
  resolve: (v: CommandOutput) => void;
  reject: (e: unknown) => void;
}

function errnoName(n: number): string {
  for (const [name, num] of Object.entries(osConstants.errno)) if (num === n) return name;
  return n ? `E${n}` : 'EUNKNOWN';
}

function signalName(n: number): NodeJS.Signals | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}

/** The python3 helper and the calls waiting for its replies. */
export class CommandHelper {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private broken = false;

  constructor(private readonly python = 'python3') {}

  /** Runs a command through the helper (direct when the helper cannot be used). */
  run(file: string, args: readonly string[], o: CommandOptions = {}): Promise<CommandOutput> {
    const child = this.ensure();
    if (!child?.stdin?.writable) return runDirect(file, args, o);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { file, args, o, resolve, reject });
      const input = o.input === undefined ? '' : Buffer.from(o.input).toString('base64');
      const req = { id, argv: [file, ...args], input, env: o.env, cwd: o.cwd, timeout: o.timeoutMs ? o.timeoutMs / 1000 : undefined };
      child.stdin!.write(JSON.stringify(req) + '\n');
    });
  }

  /** Stops taking calls; the helper finishes those it has, answers them and exits. */
  close(): void {
    this.broken = true;
    this.child?.stdin?.end();
  }

  /** The helper's pid (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private ensure(): ChildProcess | undefined {
    if (this.broken) return undefined;
    if (this.child) return this.child;
    const child = spawn(this.python, ['-I', '-u', '-c', HELPER_PY], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.once('error', () => this.lost(child, true));
    child.once('close', () => this.lost(child, false));
    child.stdin?.on('error', () => undefined); // EPIPE when it died: 'close' settles the calls
    createInterface({ input: child.stdout! }).on('line', (l) => this.settle(l));
    return child;
  }

  private settle(line: string): void {
    let r: Reply;
    try {
      r = JSON.parse(line) as Reply;
    } catch {
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    const text = (b?: string) => Buffer.from(b ?? '', 'base64').toString('utf8');
    const stdout = text(r.stdout);
    const stderr = text(r.stderr);
    const what = describe(p.file, p.args);
    if (r.errno !== undefined) {
      const code = errnoName(r.errno);
      p.reject(new CommandError(`spawn ${p.file} ${code}: ${r.error ?? ''}`, code, null, '', ''));
    } else if (r.timeout) {
      p.reject(new CommandError(`Command failed: ${what}\n${stderr}`, null, 'SIGKILL', stdout, stderr, true));
    } else if (r.code === 0) {
      p.resolve({ stdout, stderr });
    } else if ((r.code ?? 0) < 0) {
      p.reject(new CommandError(`Command failed: ${what}\n${stderr}`, null, signalName(-(r.code ?? 0)), stdout, stderr));
    } else {
      p.reject(new CommandError(`Command failed: ${what}\n${stderr}`, r.code ?? null, null, stdout, stderr));
    }
  }

  /**
   * The helper could not start (nothing it was given ran: run it directly, and keep doing so) or
   * went away (what it had not answered fails; the next call starts another).
   */
  private lost(child: ChildProcess, cannotStart: boolean): void {
    if (this.child === child) this.child = undefined;
    if (cannotStart) this.broken = true;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      if (cannotStart) runDirect(p.file, p.args, p.o).then(p.resolve, p.reject);
      else p.reject(new CommandError(`${describe(p.file, p.args)}: the command helper exited before it answered`, 'EHELPER', null, '', ''));
    }
  }
}

let helper: CommandHelper | undefined;

/** Routes runCommand through a python3 helper (the daemon) or not (the CLI, the default). */
export function useCommandHelper(on: boolean, python = 'python3'): void {
  if (!on) {
    helper?.close();
    helper = undefined;
  } else helper ??= new CommandHelper(python);
}

/** Runs a command to completion; rejects with CommandError unless it exits 0. */
export function runCommand(file: string, args: readonly string[], o: CommandOptions = {}): Promise<CommandOutput> {
  return helper ? helper.run(file, args, o) : runDirect(file, args, o);
}

// The OciRuntime (../runtime.ts) for runc, crun or any runtime with runc's command line, with
// conmon as the container monitor. Used for pod infra containers and workload containers alike.
// conmon's whole protocol is in this folder: its launch and sync pipe (conmon-launch.ts), the exit
// files and its pid file (exit-files.ts, monitor-gone.ts), the ctl fifo (ctl-fifo.ts), the attach
// socket (attach.ts); every runtime command line comes from command-line.ts.
//
//   const rt = new ConmonRuntime({ name, command: { path, root, args, systemdCgroup, hideUnifiedCgroup }, conmon, helperDir, execDir, execPidDir });
//   await rt.create({ id, bundle, logPath, exitDir, socketDir, terminal, stdin, stdinOnce })
//       → conmon runs `<runtime> create`; resolves with { status: 'created', pid } once the init
//         process waits for start. conmon writes `<exitDir>/<id>` (the exit code) when it exits,
//         `<bundle>/conmon.pid`, and the attach socket and `ctl` fifo (reached through the bundle).
//   await rt.start(id); await rt.kill(id, 'SIGTERM', all?); await rt.delete(id, force?)
//   await rt.state(id)            → OciState | undefined (unknown to the runtime)
//   await rt.update(id, resources) → `runtime update --resources <file>` (linux.resources JSON)
//   await rt.execSync({ id, cmd, timeoutMs, maxOutputBytes, signal? }); await rt.exec(id, cmd, streams)
//   await rt.attach({ id, bundle }, streams); await rt.resize(ref, size); await rt.reopenLog({ id, bundle, logPath })
//   await rt.portForward(netnsPath, port, stream, signal)
// kill() of a container that is no longer running and delete() of an unknown one succeed
// (idempotent); every other failure is an OciRuntimeError carrying the runtime's stderr.
import { CommandError, complaintOf, runCommand } from '../../util/command.js';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { FailedPreconditionError, OciRuntimeError } from '../../errors/catalog.js';
import type { Logger } from '../../log/logger.js';
import { saysNotRunning } from '../runtime-complaints.js';
import type { ContainerRef, CreateOptions, ExecSyncRequest, ExecSyncResult, OciRuntime, OciState, OciStatus } from '../runtime.js';
import type { SessionStreams, TerminalSize } from '../session-streams.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { globalArgs, hideUnifiedWrapper, runtimeArgv, type RuntimeCommandLine } from './command-line.js';
import { launchConmon } from './conmon-launch.js';
import { execSync } from './exec-sync.js';
import { execSession } from './exec-session.js';
import { writeExecProcess } from './exec-process.js';
import { attachSession } from './attach.js';
import { reopenLog, resizeTerminal } from './ctl-fifo.js';
import { portForward } from './port-forward.js';

export interface ConmonRuntimeOptions {
  /** The handler name (RuntimeClass handler). */
  name: string;
  command: RuntimeCommandLine;
  conmon: string;
  /** Where the wrapper script and temporary resource files live. */
  helperDir: string;
  /** Private dir for the pid files of session execs (default: <helperDir>/exec). */
  execDir?: string;
  /** Private dir for the pid files of ExecSync (default: a per-process dir in the temp dir). */
  execPidDir?: string;
  /** Longest wait for one runtime command, and for conmon's answer to a create (runtime.runtime_timeout_seconds). */
  timeoutMs?: number;
  log?: Logger;
}

const STATUSES: readonly OciStatus[] = ['creating', 'created', 'running', 'paused', 'stopped'];

function notFound(stderr: string): boolean {
  return /does not exist|not exist|no such file or directory|container .* not found/i.test(stderr);
}

export class ConmonRuntime implements OciRuntime {
  readonly name: string;
  readonly command: RuntimeCommandLine;
  private wrapper: Promise<string> | undefined;
  /** Directories already made by this process (a mkdir per create is a thread-pool trip each). */
  private readonly madeDirs = new Set<string>();

  constructor(readonly opts: ConmonRuntimeOptions) {
    this.name = opts.name;
    this.command = opts.command;
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 110_000;
  }

  /** The binary conmon runs (`-r`): the runtime itself or its unshare wrapper script. */
  private conmonRuntimeBinary(): Promise<string> {
    if (!this.command.hideUnifiedCgroup) return Promise.resolve(this.command.path);
    this.wrapper ??= (async () => {
      await mkdir(this.opts.helperDir, { recursive: true, mode: 0o700 });
      const file = join(this.opts.helperDir, `${this.name}-wrapper.sh`);
      await writeFileAtomic(file, hideUnifiedWrapper(this.command.path), 0o700);
      return file;
    })();
    return this.wrapper;
  }

  private async run(sub: string[]): Promise<{ stdout: string; stderr: string }> {
    const argv = runtimeArgv(this.command, sub);
    try {
      return await runCommand(argv[0]!, argv.slice(1), { timeoutMs: this.timeoutMs });
    } catch (err) {
      if (err instanceof CommandError && err.killed) {
        throw new OciRuntimeError(`${this.name} ${sub[0]} did not answer within ${this.timeoutMs / 1000} s (runtime.runtime_timeout_seconds) and was killed`, null, '', { cause: err });
      }
      const code = err instanceof CommandError && typeof err.code === 'number' ? err.code : null;
      throw new OciRuntimeError(`${this.name} ${sub[0]} failed`, code, complaintOf(err), { cause: err });
    }
  }

  async create(o: CreateOptions): Promise<OciState> {
    await Promise.all([this.ensureDir(o.exitDir), this.ensureDir(o.socketDir)]);
    // A stale exit file from an earlier container with this id would look like an instant exit.
    await rm(join(o.exitDir, o.id), { force: true });
    const pid = await launchConmon({
      conmon: this.opts.conmon,
      runtimePath: await this.conmonRuntimeBinary(),
      runtimeArgs: globalArgs(this.command),
      id: o.id,
      bundle: o.bundle,
      logPath: o.logPath,
      exitDir: o.exitDir,
      socketDir: o.socketDir,
      conmonPidFile: join(o.bundle, 'conmon.pid'),
      containerPidFile: join(o.bundle, 'pidfile'),
      terminal: o.terminal,
      stdin: o.stdin,
      stdinOnce: o.stdinOnce,
      systemdCgroup: this.command.systemdCgroup,
      podId: o.podId ?? o.id,
    }, this.timeoutMs);
    return { id: o.id, status: 'created', pid, bundle: o.bundle };
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.madeDirs.add(dir);
  }

  async start(id: string): Promise<void> {
    try {
      await this.run(['start', id]);
    } catch (err) {
      if (err instanceof OciRuntimeError && saysNotRunning(err.stderr)) {
        throw new FailedPreconditionError(`container ${id} has stopped (killed meanwhile, by a stop of it or of its pod): it cannot be started`, { cause: err });
      }
      throw err;
    }
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    try {
      await this.run(all ? ['kill', '--all', id, signal] : ['kill', id, signal]);
    } catch (err) {
      if (err instanceof OciRuntimeError && /not running|already finished|process not found|no such process/i.test(err.stderr)) return;
      throw err;
    }
  }

  async delete(id: string, force = false): Promise<void> {
    try {
      await this.run(force ? ['delete', '--force', id] : ['delete', id]);
    } catch (err) {
      if (err instanceof OciRuntimeError && notFound(err.stderr)) return;
      throw err;
    }
  }

  async state(id: string): Promise<OciState | undefined> {
    let out: string;
    try {
      out = (await this.run(['state', id])).stdout;
    } catch (err) {
      if (err instanceof OciRuntimeError && notFound(err.stderr)) return undefined;
      throw err;
    }
    const s = JSON.parse(out) as { id: string; status: string; pid: number; bundle: string };
    const status = (STATUSES as readonly string[]).includes(s.status) ? (s.status as OciStatus) : 'stopped';
    return { id: s.id, status, pid: s.pid, bundle: s.bundle };
  }

  async update(id: string, resources: object): Promise<void> {
    // A file, not stdin: crun opens /dev/stdin, which fails on the socket Node gives a child.
    const dir = join(this.opts.helperDir, 'update');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${randomBytes(8).toString('hex')}.json`);
    await writeFile(file, JSON.stringify(resources), { mode: 0o600 });
    try {
      await this.run(['update', '--resources', file, id]);
    } finally {
      await rm(file, { force: true });
    }
  }

  async execSync(req: ExecSyncRequest): Promise<ExecSyncResult> {
    const processFile = await this.execProcessFile(req.id, req.cmd, false);
    try {
      return await execSync({ ...req, command: this.command, ...(this.opts.execPidDir ? { pidDir: this.opts.execPidDir } : {}), ...(processFile ? { processFile } : {}) });
    } finally {
      if (processFile) await rm(processFile, { force: true });
    }
  }

  async exec(id: string, cmd: string[], streams: SessionStreams): Promise<{ exitCode: number }> {
    const processFile = await this.execProcessFile(id, cmd, streams.tty);
    try {
      return await execSession(this.command, this.opts.execDir ?? join(this.opts.helperDir, 'exec'), id, cmd, streams, processFile);
    } finally {
      if (processFile) await rm(processFile, { force: true });
    }
  }

  /**
   * The exec's process file for a handler whose `exec` needs one (crun: ./exec-process.ts), from
   * the container's bundle. None for a container the runtime does not run: its exec then fails
   * with the runtime's own words, as for any handler.
   */
  private async execProcessFile(id: string, cmd: string[], tty: boolean): Promise<string | undefined> {
    if (!this.command.execProcessFile) return undefined;
    const st = await this.state(id).catch(() => undefined);
    if (!st || st.status !== 'running') return undefined;
    return writeExecProcess(st.bundle, cmd, tty, join(this.opts.helperDir, 'exec-process'));
  }

  attach(c: ContainerRef, streams: SessionStreams): Promise<void> {
    return attachSession(c, streams, (s) => void this.resize(c, s));
  }

  /** Best effort: a container without a terminal, or whose conmon is gone, is logged at debug. */
  async resize(c: ContainerRef, size: TerminalSize): Promise<void> {
    try {
      await resizeTerminal(c, size);
    } catch (err) {
      this.opts.log?.debug({ container_id: c.id, err: (err as Error).message }, 'terminal resize failed');
    }
  }

  reopenLog(c: ContainerRef & { logPath: string }): Promise<void> {
    return reopenLog(c);
  }

  portForward(netnsPath: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    return portForward(netnsPath, port, stream, signal);
  }
}

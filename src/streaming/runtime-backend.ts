// The real backend: exec through `<runtime> exec` (the container's namespaces, cgroup, user and
// process settings come from its bundle; with a TTY, `exec --tty` on the pty relay),
// attach through conmon's attach socket and ctl fifo, port forwarding inside the pod's network
// namespace (nsenter) or on the host for host-network pods.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import type { Duplex, Writable } from 'node:stream';
import type { Config, RuntimeHandlerConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { ContainerRecord } from '../container/types.js';
import type { PodLookup } from '../container/deps.js';
import { FailedPreconditionError, NotFoundError, OciRuntimeError } from '../errors/catalog.js';
import type { ExecResult, SessionStreams, StreamingBackend, StreamingValidator, TerminalSize } from './backend.js';
import { bridgeToLocalPort } from './bridge.js';
import { runProcess } from './process-session.js';
import { PYTHON } from './pty-relay.js';
import { ATTACH_RELAY_PY, PORT_RELAY_PY } from './socket-relays.js';

export interface RuntimeBackendDeps {
  config: Config;
  log: Logger;
  containers: { getRunning(id: string): ContainerRecord };
  pods: PodLookup;
}

/** `<runtime> exec` argv; crun-style handlers run in a mount namespace without the hybrid cgroup2 mount. */
export function runtimeExecArgv(o: { handler: RuntimeHandlerConfig; root: string; id: string; cmd: string[]; pidFile: string; tty: boolean }): string[] {
  const tty = o.tty ? ['--tty'] : [];
  const rt = [o.handler.path, '--root', o.root, ...o.handler.args, 'exec', '--pid-file', o.pidFile, ...tty, o.id, ...o.cmd];
  if (!o.handler.hide_unified_cgroup) return rt;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh', ...rt];
}

async function readPid(file: string): Promise<number> {
  try {
    return Number((await readFile(file, 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

export class RuntimeBackend implements StreamingBackend, StreamingValidator {
  constructor(private readonly deps: RuntimeBackendDeps) {}

  async checkContainer(containerId: string): Promise<void> {
    this.deps.containers.getRunning(containerId);
  }

  async checkPod(podSandboxId: string): Promise<void> {
    const pod = this.deps.pods.get(podSandboxId);
    if (!pod) throw new NotFoundError(`pod sandbox "${podSandboxId}" not found`);
    if (!pod.ready) throw new FailedPreconditionError(`pod sandbox ${pod.id} is not ready`);
  }

  private handlerOf(r: ContainerRecord): { handler: RuntimeHandlerConfig; root: string } {
    const name = r.meta.runtimeHandler || this.deps.config.runtime.default_handler;
    const handler = this.deps.config.runtime.handlers[name];
    if (!handler) throw new FailedPreconditionError(`container ${r.meta.id} uses unknown runtime handler "${name}"`);
    return { handler, root: handler.root || join(this.deps.config.run_root, 'oci', name) };
  }

  async exec(containerId: string, cmd: string[], streams: SessionStreams): Promise<ExecResult> {
    const r = this.deps.containers.getRunning(containerId);
    const { handler, root } = this.handlerOf(r);
    const base = join(this.deps.config.run_root, 'exec');
    await mkdir(base, { recursive: true, mode: 0o700 });
    const tmp = await mkdtemp(join(base, 's-'));
    const pidFile = join(tmp, 'pid');
    try {
      const argv = runtimeExecArgv({ handler, root, id: r.meta.id, cmd, pidFile, tty: streams.tty });
      const out = await runProcess(
        {
          command: argv[0]!,
          args: argv.slice(1),
          // runc forwards signals to the process but cannot forward SIGKILL: kill the process itself.
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
        throw new OciRuntimeError(`${handler.path} exec failed`, out.exitCode, out.stderr);
      }
      return { exitCode: out.exitCode };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async attach(containerId: string, streams: SessionStreams): Promise<void> {
    const r = this.deps.containers.getRunning(containerId);
    const sock = join(r.meta.bundle, 'attach');
    const child = spawn(PYTHON, ['-c', ATTACH_RELAY_PY, sock], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.on('error', () => undefined);
    // Without stdin for this attach, keep ours open: closing it would close the container's stdin.
    if (streams.stdin) streams.stdin.pipe(child.stdin);
    const containerStderr = child.stdio[3] as NodeJS.ReadableStream;
    if (streams.stdout) child.stdout.pipe(streams.stdout, { end: false });
    else child.stdout.resume();
    if (streams.stderr) containerStderr.pipe(streams.stderr as Writable, { end: false });
    else (containerStderr as unknown as { resume(): void }).resume();

    const onResize = (s: TerminalSize) => void this.resize(r, s);
    if (streams.resize) {
      if (streams.resize.last) onResize(streams.resize.last);
      streams.resize.on('resize', onResize);
    }
    const onAbort = () => child.kill('SIGKILL');
    streams.signal.addEventListener('abort', onAbort, { once: true });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    streams.signal.removeEventListener('abort', onAbort);
    streams.resize?.off('resize', onResize);
    if (streams.stdin) streams.stdin.unpipe(child.stdin);
    if (code !== 0 && !streams.signal.aborted) throw new OciRuntimeError('attach failed', code, stderr);
  }

  /** conmon's control fifo: "1 <height> <width>" resizes the container's terminal. */
  private async resize(r: ContainerRecord, s: TerminalSize): Promise<void> {
    try {
      const fh = await open(join(r.meta.bundle, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
      try {
        await fh.write(`1 ${s.height} ${s.width}\n`);
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.deps.log.debug({ container_id: r.meta.id, err: (err as Error).message }, 'terminal resize failed');
    }
  }

  async portForward(podSandboxId: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    const pod = this.deps.pods.get(podSandboxId);
    if (!pod) throw new NotFoundError(`pod sandbox "${podSandboxId}" not found`);
    if (pod.hostNetwork || !pod.netnsPath) {
      return bridgeToLocalPort(stream, port, signal);
    }
    const child = spawn('nsenter', [`--net=${pod.netnsPath}`, PYTHON, '-c', PORT_RELAY_PY, String(port)], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.on('error', () => undefined);
    const ready = child.stdio[3] as NodeJS.ReadableStream;
    const connected = new Promise<void>((resolve, reject) => {
      ready.once('data', () => resolve());
      void closed.then((code) => reject(new Error(stderr.trim() || `port relay exited with ${code}`)));
      child.once('error', reject);
    });
    connected.catch(() => undefined);
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await connected;
      stream.pipe(child.stdin);
      child.stdout.pipe(stream, { end: false });
      await closed;
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.unpipe(child.stdin);
    }
  }
}

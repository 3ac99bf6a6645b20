// The seam between rktlet and whatever runs a container's processes: every process operation goes
// through this interface, obtained from the runtimes registry (./runtimes.ts) by RuntimeClass
// handler. Callers know container ids, bundles and streams; only an implementation knows how
// processes are started, watched and reached.
//
// Implementations:
//   conmon-runtime/  a runtime with runc's command line (runc, crun) with conmon as the container
//                    monitor: the conmon protocol (launch and sync pipe, exit files, ctl fifo,
//                    attach socket, log reopen) lives there and nowhere else (CRI-O's
//                    internal/oci runtime_oci.go). `type = "host"` handlers use it too: host
//                    isolation is an admission rule (./host-isolation.ts), not another runtime.
//   vm-runtime/      `runtime.handlers.<name>.type = "vm"`: one QEMU VM per pod (the pod's infra
//                    create boots it) and its containers run by an agent inside it, as Kata does
//                    behind containerd's runtime v2 shims, here without a shim process per pod.
import type { Duplex } from 'node:stream';
import type { SessionStreams, TerminalSize } from './session-streams.js';

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface OciState {
  id: string;
  status: OciStatus;
  pid: number;
  bundle: string;
}

export interface CreateOptions {
  id: string;
  /** Directory holding config.json. */
  bundle: string;
  /** CRI log file (CRI-format lines); empty: no log. */
  logPath: string;
  /** Where the container's exit code is written when it exits. */
  exitDir: string;
  /** Directory for the attach socket and control channel. */
  socketDir: string;
  terminal: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  /** The pod the container belongs to (its infra: the pod itself): names its monitor's systemd scope. */
  podId?: string;
}

/** A created container, as the operations on its monitor need it. */
export interface ContainerRef {
  id: string;
  /** Its bundle: the monitor keeps its attach socket and control channel there. */
  bundle: string;
}

export interface ExecSyncRequest {
  id: string;
  cmd: string[];
  /** 0: no deadline; past it DeadlineExceededError, the command killed first. */
  timeoutMs: number;
  /** Output kept per stream. */
  maxOutputBytes: number;
  /** Aborted: the command is killed and CancelledError thrown. */
  signal?: AbortSignal;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface OciRuntime {
  /** The handler name (RuntimeClass handler). */
  readonly name: string;
  /** Creates the container (process waiting for start), monitored outside our process tree. */
  create(opts: CreateOptions): Promise<OciState>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  /** Deletes the runtime's state (force: also a running container). Idempotent. */
  delete(id: string, force?: boolean): Promise<void>;
  /** Undefined when the runtime does not know the container. */
  state(id: string): Promise<OciState | undefined>;
  /** Applies new resource limits (linux.resources JSON) to a running container. */
  update(id: string, resources: object): Promise<void>;
  /**
   * Runs a command in the running container (its namespaces, cgroup and process settings) to its
   * end: output capped, a deadline. A command that cannot be started is exit code 126/127 with the
   * runtime's words on stderr; a container that stopped is FailedPreconditionError.
   */
  execSync(req: ExecSyncRequest): Promise<ExecSyncResult>;
  /** Runs a command in the running container wired to a session (a terminal when streams.tty); its exit code. */
  exec(id: string, cmd: string[], streams: SessionStreams): Promise<{ exitCode: number }>;
  /** Connects a session to the container's own stdio until the client or the container goes. */
  attach(c: ContainerRef, streams: SessionStreams): Promise<void>;
  /** Resizes the container's terminal (best effort: a container without one ignores it). */
  resize(c: ContainerRef, size: TerminalSize): Promise<void>;
  /** The container's log file was rotated (renamed): reopen its path. Waits until the new file exists. */
  reopenLog(c: ContainerRef & { logPath: string }): Promise<void>;
  /**
   * Connects `stream` to 127.0.0.1:port inside a pod's network namespace (empty netnsPath: the
   * host's network) until either side closes.
   */
  portForward(netnsPath: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void>;
}

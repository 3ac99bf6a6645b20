// What the streaming server needs from the runtime: run a command in a container, attach to a
// container's stdio, open a TCP connection inside a pod. The protocol layers (SPDY, WebSocket)
// only ever talk to this interface; runtime-backend.ts implements it with runc/conmon/nsenter,
// host-backend.ts with local processes for the protocol tests.
import type { Duplex, Readable, Writable } from 'node:stream';
import { EventEmitter } from 'node:events';

export interface TerminalSize {
  width: number;
  height: number;
}

/** Terminal sizes as the client sends them ('resize' events; 'end' when the stream closes). */
export class ResizeEvents extends EventEmitter<{ resize: [TerminalSize]; end: [] }> {
  last: TerminalSize | undefined;

  push(size: TerminalSize): void {
    if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 0 || size.height < 0) return;
    if (size.width > 0xffff || size.height > 0xffff) return;
    this.last = size;
    this.emit('resize', size);
  }
}

export interface SessionStreams {
  /** The client's input; ends when the client closes stdin. Undefined: not requested. */
  stdin?: Readable;
  stdout?: Writable;
  /** Undefined when not requested (always with a TTY: the terminal merges it into stdout). */
  stderr?: Writable;
  tty: boolean;
  /** TTY sessions only. */
  resize?: ResizeEvents;
  /** Aborted when the client goes away: the backend stops copying (an exec'd process is killed). */
  signal: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
}

export interface StreamingBackend {
  /** Runs cmd in the container (its namespaces, cgroup and user) and waits for it. */
  exec(containerId: string, cmd: string[], streams: SessionStreams): Promise<ExecResult>;
  /** Connects the streams to the container's own stdio until the client or the container goes. */
  attach(containerId: string, streams: SessionStreams): Promise<void>;
  /** Connects `stream` to 127.0.0.1:port inside the pod's network namespace until either side closes. */
  portForward(podSandboxId: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void>;
}

/** Checks done when the CRI call hands out a URL (so a bad id fails the RPC, not the stream). */
export interface StreamingValidator {
  /** Throws NotFoundError / FailedPreconditionError when the container cannot be exec'd. */
  checkContainer(containerId: string, forAttach: boolean): Promise<void>;
  checkPod(podSandboxId: string): Promise<void>;
}

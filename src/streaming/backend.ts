// What the streaming server needs from the engine: run a command in a container, attach to a
// container's stdio, open a TCP connection inside a pod. The protocol layers (SPDY, WebSocket)
// only ever talk to this interface; container/streaming-backend.ts implements it by the
// container's OCI runtime (src/oci/runtime.ts), test-host-backend.ts with local processes for the
// protocol tests.
import type { Duplex } from 'node:stream';
import type { SessionStreams } from '../oci/session-streams.js';

export { ResizeEvents, type SessionStreams, type TerminalSize } from '../oci/session-streams.js';

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

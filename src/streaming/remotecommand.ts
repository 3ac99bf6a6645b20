// Exec and attach, independent of the transport: what to run for one streaming request, and the
// outcome the error stream reports.
import type { SessionStreams, StreamingBackend } from './backend.js';
import type { ExecOutcome } from './status.js';

export interface RemoteCommandRequest {
  kind: 'exec' | 'attach';
  containerId: string;
  /** Exec only. */
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface PortForwardRequest {
  kind: 'portforward';
  podSandboxId: string;
  /** Ports named in the CRI request (WebSocket clients may name theirs in the query). */
  ports: number[];
}

export type StreamingRequest = RemoteCommandRequest | PortForwardRequest;

export async function runRemoteCommand(backend: StreamingBackend, req: RemoteCommandRequest, streams: SessionStreams): Promise<ExecOutcome> {
  try {
    if (req.kind === 'exec') {
      const r = await backend.exec(req.containerId, req.cmd, streams);
      return { kind: 'exited', exitCode: r.exitCode, cmd: req.cmd };
    }
    await backend.attach(req.containerId, streams);
    return { kind: 'exited', exitCode: 0 };
  } catch (err) {
    const what = req.kind === 'exec' ? 'error executing command in container' : 'error attaching to container';
    return { kind: 'error', message: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Ends a writable and waits until everything written was flushed (or it failed). */
export function endAndFlush(w: NodeJS.WritableStream | undefined): Promise<void> {
  if (!w) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => resolve();
    w.once('finish', done);
    w.once('close', done);
    w.once('error', done);
    w.end();
  });
}

// A backend without containers, for the protocol tests: exec runs the command on the host, attach
// is an echo of stdin (what `cat` attached to a container's stdio looks like), port forwarding
// connects to the host's loopback. It borrows the runtime's session wiring (pipes or the pty relay).
import type { Duplex } from 'node:stream';
import type { ExecResult, SessionStreams, StreamingBackend } from './backend.js';
import { bridgeToLocalPort } from '../util/socket-bridge.js';
import { runProcess } from '../oci/conmon-runtime/process-session.js';

export class HostBackend implements StreamingBackend {
  async exec(_containerId: string, cmd: string[], streams: SessionStreams): Promise<ExecResult> {
    const [command, ...args] = cmd;
    if (!command) throw new Error('empty command');
    const r = await runProcess({ command, args }, streams);
    return { exitCode: r.exitCode };
  }

  async attach(_containerId: string, streams: SessionStreams): Promise<void> {
    await runProcess({ command: 'cat', args: [] }, streams);
  }

  portForward(_podSandboxId: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    return bridgeToLocalPort(stream, port, signal);
  }
}

// Wires a local child process to a streaming session: plain pipes, or a terminal through the pty
// relay. Used for `<runtime> exec` (./exec-session.ts) and by the streaming protocol tests' host
// backend (streaming/test-host-backend.ts), which runs the command itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import type { SessionStreams, TerminalSize } from '../session-streams.js';
import { PTY_RELAY_PY, PYTHON } from './pty-relay.js';

export interface ProcessSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Called when the client goes away; default: SIGKILL the child. */
  onAbort?: (child: ChildProcess) => void;
}

export interface ProcessOutcome {
  exitCode: number;
  /** What the process (or runc, or the relay) wrote on stderr when stderr was not streamed. */
  stderr: string;
}

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? (osConstants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 9);
}

function pipeOut(from: NodeJS.ReadableStream | null, to: Writable | undefined): void {
  if (!from) return;
  if (to) from.pipe(to, { end: false });
  else (from as NodeJS.ReadableStream & { resume(): void }).resume();
}

export function runProcess(spec: ProcessSpec, streams: SessionStreams): Promise<ProcessOutcome> {
  const tty = streams.tty;
  const [cmd, args] = tty
    ? [PYTHON, ['-c', PTY_RELAY_PY, 'spawn', '--', spec.command, ...spec.args]]
    : [spec.command, spec.args];
  const child = spawn(cmd, args as string[], {
    stdio: tty ? ['pipe', 'pipe', 'pipe', 'pipe'] : [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: spec.env ?? process.env,
  });
  let stderr = '';
  const collect = (b: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += b.toString();
  };

  if (child.stdin) child.stdin.on('error', () => undefined); // EPIPE once the process is gone
  if (streams.stdin && child.stdin) streams.stdin.pipe(child.stdin);
  // A terminal without input (kubectl exec -t, no -i) stays open: ending the relay's stdin would
  // type ^D into it. Plain pipes get EOF (spawned with stdin ignored).
  else if (!tty) child.stdin?.end();
  pipeOut(child.stdout, streams.stdout);
  if (tty) child.stderr?.on('data', collect);
  else if (streams.stderr) child.stderr?.pipe(streams.stderr, { end: false });
  else child.stderr?.on('data', collect);

  if (tty) {
    const ctl = child.stdio[3] as Writable;
    ctl.on('error', () => undefined);
    const send = (s: TerminalSize) => ctl.write(`${s.height} ${s.width}\n`);
    if (streams.resize?.last) send(streams.resize.last);
    streams.resize?.on('resize', send);
    child.once('exit', () => streams.resize?.off('resize', send));
  }

  const onAbort = () => (spec.onAbort ? spec.onAbort(child) : child.kill('SIGKILL'));
  streams.signal.addEventListener('abort', onAbort, { once: true });

  return new Promise<ProcessOutcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      streams.signal.removeEventListener('abort', onAbort);
      if (streams.stdin && child.stdin) streams.stdin.unpipe(child.stdin);
      child.stdin?.destroy();
      resolve({ exitCode: exitCode(code, signal), stderr });
    });
  });
}

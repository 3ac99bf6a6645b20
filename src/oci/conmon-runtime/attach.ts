// Attach: a session on the container's own stdio through conmon's attach socket (SOCK_SEQPACKET,
// bridged by the python3 relay in ./socket-relays.ts), resizes through the ctl fifo.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { OciRuntimeError } from '../../errors/catalog.js';
import type { ContainerRef } from '../runtime.js';
import type { SessionStreams, TerminalSize } from '../session-streams.js';
import { PYTHON } from './pty-relay.js';
import { ATTACH_RELAY_PY } from './socket-relays.js';

/** Until the client or the container goes; `resize` is called for each terminal size the client sends. */
export async function attachSession(c: ContainerRef, streams: SessionStreams, resize: (s: TerminalSize) => void): Promise<void> {
  const sock = join(c.bundle, 'attach');
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

  if (streams.resize) {
    if (streams.resize.last) resize(streams.resize.last);
    streams.resize.on('resize', resize);
  }
  const onAbort = () => child.kill('SIGKILL');
  streams.signal.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  streams.signal.removeEventListener('abort', onAbort);
  streams.resize?.off('resize', resize);
  if (streams.stdin) streams.stdin.unpipe(child.stdin);
  if (code !== 0 && !streams.signal.aborted) throw new OciRuntimeError('attach failed', code, stderr);
}

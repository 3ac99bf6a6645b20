// Port forwarding: a TCP connection to 127.0.0.1:<port> inside the pod's network namespace, made
// by the python3 relay (./socket-relays.ts) under `nsenter --net`; host-network pods are reached
// on the host's loopback directly.
import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { bridgeToLocalPort } from '../../util/socket-bridge.js';
import { PYTHON } from './pty-relay.js';
import { PORT_RELAY_PY } from './socket-relays.js';

/** Until either side closes; rejects with the relay's words when the connection cannot be made. */
export async function portForward(netnsPath: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
  if (!netnsPath) return bridgeToLocalPort(stream, port, signal);
  const child = spawn('nsenter', [`--net=${netnsPath}`, PYTHON, '-c', PORT_RELAY_PY, String(port)], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
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

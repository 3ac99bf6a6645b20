// Copies bytes both ways between a client stream and a socket (port forwarding). Resolves when the
// socket is closed (the target hung up, or the client's half-close was passed on and the target
// finished); rejects when the socket fails before connecting.
import net from 'node:net';
import type { Duplex } from 'node:stream';

export function bridge(client: Duplex, target: Duplex, signal: AbortSignal, connected: Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let up = false;
    const onAbort = () => target.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    target.on('error', (err) => {
      if (!up) reject(err);
    });
    target.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      client.unpipe(target);
      resolve();
    });
    connected.then(
      () => {
        up = true;
        client.pipe(target); // the client's half-close ends the target's write side
        target.pipe(client, { end: false });
      },
      () => undefined,
    );
  });
}

/** Port-forward on this host's loopback (host-network pods, and the test backend). */
export function bridgeToLocalPort(client: Duplex, port: number, signal: AbortSignal): Promise<void> {
  const sock = net.connect({ host: '127.0.0.1', port });
  const connected = new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  connected.catch(() => undefined);
  return bridge(client, sock, signal, connected);
}

// Exec/attach and port forwarding over WebSocket, as kubelet's wsstream handlers: the channel
// layout is fixed by the request (no stream negotiation), the first (empty) message on the lowest
// writable channel tells the client the session is up, the outcome goes on the error channel and
// the WebSocket is closed.
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../log/logger.js';
import { ResizeEvents, type StreamingBackend } from './backend.js';
import { JsonObjectSplitter, toTerminalSize } from './json-objects.js';
import { REMOTECOMMAND_V5, remoteCommandVersion } from './protocols.js';
import { endAndFlush, runRemoteCommand, type PortForwardRequest, type RemoteCommandRequest } from './remotecommand.js';
import { statusPayload } from './status.js';
import { ChannelMux } from './websocket-channels.js';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

export interface WsServeOptions {
  backend: StreamingBackend;
  log: Logger;
}

function isBase64(protocol: string): boolean {
  return protocol.includes('base64.');
}

export async function serveWsRemoteCommand(ws: WebSocket, protocol: string, req: RemoteCommandRequest, opts: WsServeOptions): Promise<void> {
  const mux = new ChannelMux(ws, isBase64(protocol), protocol === REMOTECOMMAND_V5);
  const version = protocol === '' ? 1 : remoteCommandVersion(protocol);
  const ac = new AbortController();
  ws.once('close', () => ac.abort(new Error('client went away')));

  const stdin = req.stdin ? mux.input(STDIN) : undefined;
  const stdout = req.stdout ? mux.output(STDOUT) : undefined;
  const stderr = req.stderr && !req.tty ? mux.output(STDERR) : undefined;
  let resize: ResizeEvents | undefined;
  if (req.tty) {
    const r = (resize = new ResizeEvents());
    const split = new JsonObjectSplitter();
    const input = mux.input(RESIZE);
    input.on('data', (chunk: Buffer) => {
      try {
        for (const o of split.push(chunk)) {
          const size = toTerminalSize(o);
          if (size) r.push(size);
        }
      } catch (err) {
        opts.log.info({ err: (err as Error).message }, 'bad resize message: ignoring');
      }
    });
  }
  // Lets the client know the streams are ready (kubelet does the same).
  await mux.send(req.stdout ? STDOUT : req.stderr && !req.tty ? STDERR : ERROR, Buffer.alloc(0));

  const outcome = await runRemoteCommand(opts.backend, req, { stdin, stdout, stderr, tty: req.tty, resize, signal: ac.signal });
  stdin?.resume();
  await Promise.all([endAndFlush(stdout), endAndFlush(stderr)]);
  const payload = statusPayload(outcome, version >= 4 ? 4 : 1);
  if (payload.length) await mux.send(ERROR, payload);
  if (outcome.kind === 'error') opts.log.info({ err: outcome.message }, `${req.kind} failed`);
  ws.close(1000);
}

export async function serveWsPortForward(ws: WebSocket, protocol: string, req: PortForwardRequest, ports: number[], opts: WsServeOptions): Promise<void> {
  const mux = new ChannelMux(ws, isBase64(protocol), false);
  const ac = new AbortController();
  ws.once('close', () => ac.abort(new Error('client went away')));
  const runs = ports.map(async (port, i) => {
    const data = mux.input(2 * i);
    const dataOut = mux.output(2 * i);
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    await mux.send(2 * i, portBytes);
    await mux.send(2 * i + 1, portBytes);
    // One duplex for the backend: reads the client's data channel, writes back on it.
    const duplex = Duplex.from({ readable: data, writable: dataOut });
    try {
      await opts.backend.portForward(req.podSandboxId, port, duplex, ac.signal);
    } catch (err) {
      const msg = `error forwarding port ${port} to pod ${req.podSandboxId}, uid : ${err instanceof Error ? err.message : String(err)}`;
      opts.log.info({ port, err: msg }, 'port forward failed');
      await mux.send(2 * i + 1, Buffer.from(msg));
    }
  });
  await Promise.all(runs);
  ws.close(1000);
}

// A WebSocket streaming client speaking Kubernetes' channel protocols (channel.k8s.io family and
// port forwarding's data/error channel pairs), built on the ws library.
import WebSocket from 'ws';
import type { K8sStatus } from '../../src/streaming/status.js';

export interface WsSession {
  ws: WebSocket;
  protocol: string;
  /** Bytes received per channel, in order. */
  channels: Map<number, Buffer[]>;
  /** Resolves when the server closes the WebSocket. */
  closed: Promise<{ code: number }>;
  send(channel: number, data: Buffer | string): void;
}

export function wsConnect(url: string, protocols: string[]): Promise<WsSession> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols, { rejectUnauthorized: false });
  const base64 = (p: string) => p.includes('base64.');
  const channels = new Map<number, Buffer[]>();
  const closed = new Promise<{ code: number }>((resolve) => ws.once('close', (code) => resolve({ code })));
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.once('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body.trim()}`)));
    });
    ws.once('error', reject);
    ws.once('open', () => {
      const protocol = ws.protocol;
      ws.on('message', (raw: WebSocket.RawData) => {
        const msg = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
        if (!msg.length) return;
        const [ch, data] = base64(protocol) ? [msg[0]! - 48, Buffer.from(msg.subarray(1).toString(), 'base64')] : [msg[0]!, msg.subarray(1)];
        const list = channels.get(ch) ?? [];
        list.push(Buffer.from(data));
        channels.set(ch, list);
        ws.emit(`channel-${ch}`, data);
      });
      resolve({
        ws,
        protocol,
        channels,
        closed,
        send(channel, data) {
          const b = Buffer.from(data);
          if (base64(protocol)) ws.send(String.fromCharCode(48 + channel) + b.toString('base64'));
          else ws.send(Buffer.concat([Buffer.from([channel]), b]));
        },
      });
    });
  });
}

export function channelBytes(s: WsSession, ch: number): Buffer {
  return Buffer.concat(s.channels.get(ch) ?? []);
}

/** Runs an exec over WebSocket: sends input on stdin (then the v5 close, when spoken), waits for the close. */
export async function wsExec(url: string, input: string | undefined, protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
  const s = await wsConnect(url, protocols);
  if (input !== undefined) {
    s.send(0, input);
    if (s.protocol === 'v5.channel.k8s.io') s.send(255, Buffer.from([0]));
  }
  await s.closed;
  const err = channelBytes(s, 3).toString();
  let status: K8sStatus | undefined;
  let exitCode: number | undefined;
  if (err && /^v[45]\.|v4\.base64/.test(s.protocol)) {
    status = JSON.parse(err) as K8sStatus;
    exitCode = status.status === 'Success' ? 0 : Number(status.details?.causes.find((c) => c.reason === 'ExitCode')?.message);
  }
  return { stdout: channelBytes(s, 1), stderr: channelBytes(s, 2), status, exitCode, protocol: s.protocol, session: s };
}

// The channel framing Kubernetes speaks over WebSocket (wsstream): every binary message starts with
// a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; for port forwarding 2n data and
// 2n+1 error of the n-th port). The base64 variants send text messages: the channel as an ASCII
// digit, then the payload in base64. v5 adds channel 255: [255, n] closes the client's channel n.
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket, RawData } from 'ws';

export const CLOSE_CHANNEL = 255;

export interface ChannelMessage {
  channel: number;
  data: Buffer;
}

export function encodeChannelMessage(channel: number, data: Buffer, base64: boolean): Buffer | string {
  if (base64) return String.fromCharCode(48 + channel) + data.toString('base64');
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

export function decodeChannelMessage(msg: Buffer, isText: boolean, base64: boolean): ChannelMessage | undefined {
  if (msg.length === 0) return undefined;
  if (base64) {
    const text = msg.toString('utf8');
    return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
  }
  void isText;
  return { channel: msg[0]!, data: msg.subarray(1) };
}

function toBuffer(d: RawData): Buffer {
  if (Buffer.isBuffer(d)) return d;
  if (Array.isArray(d)) return Buffer.concat(d);
  return Buffer.from(d);
}

/**
 * Multiplexes channels over one WebSocket: readable channels are PassThroughs fed by the client's
 * messages, writable channels send messages. `v5` enables the close channel.
 */
export class ChannelMux {
  private readonly inputs = new Map<number, PassThrough>();
  /** Inputs whose reader is behind: the WebSocket is not read until they drain. */
  private readonly full = new Set<number>();

  constructor(
    private readonly ws: WebSocket,
    private readonly base64: boolean,
    private readonly v5: boolean,
  ) {
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const m = decodeChannelMessage(toBuffer(raw), !isBinary, this.base64);
      if (!m) return;
      if (this.v5 && m.channel === CLOSE_CHANNEL) {
        const target = m.data[0];
        if (target !== undefined) this.inputs.get(target)?.end();
        return;
      }
      const input = this.inputs.get(m.channel);
      if (!input || input.writableEnded || input.write(m.data) || this.full.has(m.channel)) return;
      // Backpressure: stdin the process does not read must not pile up here without bound.
      this.full.add(m.channel);
      ws.pause();
      input.once('drain', () => {
        this.full.delete(m.channel);
        if (this.full.size === 0) ws.resume();
      });
    });
    ws.on('close', () => {
      for (const i of this.inputs.values()) if (!i.writableEnded) i.end();
    });
  }

  /** A channel the client writes to. */
  input(channel: number): PassThrough {
    let i = this.inputs.get(channel);
    if (!i) {
      i = new PassThrough();
      this.inputs.set(channel, i);
    }
    return i;
  }

  /** A channel the server writes to; ending it sends nothing (channels have no end on the wire). */
  output(channel: number): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => this.send(channel, chunk).then(() => cb(), () => cb()),
    });
  }

  send(channel: number, data: Buffer): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.ws.readyState !== this.ws.OPEN) {
        resolve();
        return;
      }
      this.ws.send(encodeChannelMessage(channel, data, this.base64), { binary: !this.base64 }, () => resolve());
    });
  }
}

// SPDY/3.1 framing (SPDY/3 draft section 2.2, plus 3.1's stream/session WINDOW_UPDATE): pure
// encoders and an incremental parser. Header blocks stay opaque (compressed) here; the session
// runs them through its zlib contexts (spdy-headers.ts).

export const SPDY_VERSION = 3;
/** The largest payload a frame can carry (24-bit length). */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

export class SpdyProtocolError extends Error {}

/** SETTINGS entries accepted in one frame: SPDY/3 defines 8 ids; thousands are an attack (each is decoded). */
export const MAX_SETTINGS_ENTRIES = 64;

const ID_MASK = 0x7fffffff;

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`control frame payload of ${payload.length} bytes is too large`);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(payload.length, 4);
  h[4] = flags & 0xff; // flags share the word with the 24-bit length
  return Buffer.concat([h, payload]);
}

/** Serializes one frame. */
export function encodeFrame(f: SpdyFrame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('data frame too large');
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & ID_MASK, 0);
      h.writeUInt32BE(f.data.length, 4);
      h[4] = f.flags & 0xff;
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(f.streamId & ID_MASK, 0);
      p.writeUInt32BE(f.associatedId & ID_MASK, 4);
      p[8] = (f.priority & 0x7) << 5;
      p[9] = f.slot & 0xff;
      return control(FrameType.SYN_STREAM, f.flags, Buffer.concat([p, f.headerBlock]));
    }
    case 'syn_reply':
    case 'headers': {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(f.streamId & ID_MASK, 0);
      return control(f.type === 'syn_reply' ? FrameType.SYN_REPLY : FrameType.HEADERS, f.flags, Buffer.concat([p, f.headerBlock]));
    }
    case 'rst_stream': {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(f.streamId & ID_MASK, 0);
      p.writeUInt32BE(f.status >>> 0, 4);
      return control(FrameType.RST_STREAM, 0, p);
    }
    case 'settings': {
      const p = Buffer.alloc(4 + 8 * f.entries.length);
      p.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        p.writeUInt32BE(e.id & 0xffffff, 4 + i * 8);
        p[4 + i * 8] = e.flags & 0xff;
        p.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return control(FrameType.SETTINGS, f.flags, p);
    }
    case 'ping': {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(f.id >>> 0, 0);
      return control(FrameType.PING, 0, p);
    }
    case 'goaway': {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(f.lastGoodStreamId & ID_MASK, 0);
      p.writeUInt32BE(f.status >>> 0, 4);
      return control(FrameType.GOAWAY, 0, p);
    }
    case 'window_update': {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(f.streamId & ID_MASK, 0);
      p.writeUInt32BE(f.delta & ID_MASK, 4);
      return control(FrameType.WINDOW_UPDATE, 0, p);
    }
    case 'unknown':
      return control(f.frameType, f.flags, f.payload);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`${what} frame too short (${payload.length} bytes)`);
}

/** Decodes one control frame's payload. */
export function decodeControl(type: number, flags: number, payload: Buffer): SpdyFrame {
  switch (type) {
    case FrameType.SYN_STREAM:
      need(payload, 10, 'SYN_STREAM');
      return {
        type: 'syn_stream',
        streamId: payload.readUInt32BE(0) & ID_MASK,
        associatedId: payload.readUInt32BE(4) & ID_MASK,
        priority: payload[8]! >> 5,
        slot: payload[9]!,
        flags,
        headerBlock: payload.subarray(10),
      };
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS:
      need(payload, 4, type === FrameType.SYN_REPLY ? 'SYN_REPLY' : 'HEADERS');
      return {
        type: type === FrameType.SYN_REPLY ? 'syn_reply' : 'headers',
        streamId: payload.readUInt32BE(0) & ID_MASK,
        flags,
        headerBlock: payload.subarray(4),
      };
    case FrameType.RST_STREAM:
      need(payload, 8, 'RST_STREAM');
      return { type: 'rst_stream', streamId: payload.readUInt32BE(0) & ID_MASK, status: payload.readUInt32BE(4) };
    case FrameType.SETTINGS: {
      need(payload, 4, 'SETTINGS');
      const n = payload.readUInt32BE(0);
      if (n > MAX_SETTINGS_ENTRIES) throw new SpdyProtocolError(`SETTINGS frame with ${n} entries (at most ${MAX_SETTINGS_ENTRIES})`);
      need(payload, 4 + 8 * n, 'SETTINGS');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const o = 4 + i * 8;
        entries.push({ flags: payload[o]!, id: payload.readUInt32BE(o) & 0xffffff, value: payload.readUInt32BE(o + 4) });
      }
      return { type: 'settings', flags, entries };
    }
    case FrameType.PING:
      need(payload, 4, 'PING');
      return { type: 'ping', id: payload.readUInt32BE(0) };
    case FrameType.GOAWAY:
      // SPDY/2 GOAWAY had no status: accept the short form too.
      need(payload, 4, 'GOAWAY');
      return { type: 'goaway', lastGoodStreamId: payload.readUInt32BE(0) & ID_MASK, status: payload.length >= 8 ? payload.readUInt32BE(4) : 0 };
    case FrameType.WINDOW_UPDATE:
      need(payload, 8, 'WINDOW_UPDATE');
      return { type: 'window_update', streamId: payload.readUInt32BE(0) & ID_MASK, delta: payload.readUInt32BE(4) & ID_MASK };
    default:
      return { type: 'unknown', frameType: type, flags, payload };
  }
}

/**
 * Incremental frame parser: feed it socket chunks, it returns the complete frames. Rejects
 * control frames of another SPDY version and frames above `maxPayload`.
 */
export class FrameParser {
  /** Received bytes not yet parsed, as received: joined only once a whole frame is there. */
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxPayload = MAX_FRAME_PAYLOAD) {}

  push(chunk: Buffer): SpdyFrame[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    const out: SpdyFrame[] = [];
    while (this.size >= 8) {
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (length > this.maxPayload) throw new SpdyProtocolError(`frame of ${length} bytes exceeds the limit of ${this.maxPayload}`);
      // A large frame arrives in many chunks: wait for all of it before joining (joining at every
      // chunk would copy the frame once per chunk).
      if (this.size < 8 + length) break;
      const frame = this.take(8 + length);
      const flags = frame[4]!;
      const payload = frame.subarray(8);
      if (frame[0]! & 0x80) {
        const version = frame.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        out.push(decodeControl(frame.readUInt16BE(2), flags, payload));
      } else {
        out.push({ type: 'data', streamId: frame.readUInt32BE(0) & ID_MASK, flags, data: payload });
      }
    }
    return out;
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return this.size;
  }

  /** The first n buffered bytes (n <= size), without consuming them. */
  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) {
      let k = 0;
      for (let len = 0; len < n; k++) len += this.chunks[k]!.length;
      this.chunks.splice(0, k, Buffer.concat(this.chunks.slice(0, k)));
    }
    return this.chunks[0]!;
  }

  /** Removes and returns the first n bytes as a buffer of their own (frames outlive the chunks). */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - o);
      c.copy(out, o, 0, k);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= n;
    return out;
  }
}

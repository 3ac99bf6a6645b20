// One SPDY/3.1 session over an upgraded socket, either side (the daemon is the server; the test
// client in test/helpers uses the client role). Streams are Node Duplexes. Sending, we do as
// moby/spdystream (what kubectl, crictl and the kubelet speak): peer windows are not enforced
// (spdystream never sends WINDOW_UPDATE, so a sender that waited would stall at 64 KiB); SETTINGS
// and WINDOW_UPDATE are accepted and ignored, and backpressure comes from TCP (reading pauses while
// a stream's reader is behind). Receiving, we do return window (stream and session WINDOW_UPDATE
// every 32 KiB), so peers that do enforce SPDY/3.1 flow control keep sending.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeFrame, FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameParser, RstStatus, SpdyProtocolError, type SpdyFrame } from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './spdy-headers.js';
import { SpdyStream, type StreamHost } from './spdy-stream.js';

export { SpdyStream };

/** Received bytes after which the window is handed back. */
const WINDOW_UPDATE_EVERY = 32 * 1024;
/** How long close() waits for the peer to hang up before destroying the socket. */
const CLOSE_GRACE_MS = 5_000;
/**
 * Frames parsed and not yet handled after which the socket is no longer read. Handling waits on
 * the peer (a PING is answered before the next frame is handled), so a peer that sends and never
 * reads would otherwise have every later frame buffered here.
 */
const MAX_INBOUND_BACKLOG = 64;
/** Frames queued for a peer that does not read them after which the session is dropped. */
const MAX_OUTBOUND_BACKLOG = 4096;
/** Streams open at once per session (kubelet's port-forward opens two per connection). */
export const MAX_CONCURRENT_STREAMS = 1000;

export interface SpdySessionOptions {
  role: 'server' | 'client';
  /** Largest frame accepted from the peer. */
  maxFramePayload?: number;
}

/**
 * Events: 'stream' (SpdyStream opened by the peer: call reply() or reset()), 'ping', 'goaway',
 * 'window_update' (stream id, delta: informational, windows are not enforced),
 * 'close' (socket gone), 'error' (protocol error; the session is torn down after it).
 */
export class SpdySession extends EventEmitter implements StreamHost {
  private readonly parser: FrameParser;
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly paused = new Set<number>();
  private readonly pings = new Map<number, () => void>();
  private out: Promise<void> = Promise.resolve();
  private outBacklog = 0;
  /** Frames read and not yet handled (and the hang-up, once seen), handled one at a time, in order. */
  private inbound: (SpdyFrame | { type: 'hangup'; reason: string })[] = [];
  private inboundHead = 0;
  private draining = false;
  /** The socket is paused for the inbound backlog (streams' readers pause it too: `paused`). */
  private inboundPaused = false;
  private nextStreamId: number;
  private nextPingId: number;
  private lastRemoteStreamId = 0;
  /** Bytes received and not yet returned with WINDOW_UPDATE, per stream (0: the session). */
  private readonly unacked = new Map<number, number>();
  private goneAway = false;
  private closed = false;

  constructor(
    readonly socket: Duplex,
    private readonly opts: SpdySessionOptions,
  ) {
    super();
    this.parser = new FrameParser(opts.maxFramePayload);
    // Clients open odd streams and send odd pings; servers even ones.
    this.nextStreamId = opts.role === 'client' ? 1 : 2;
    this.nextPingId = opts.role === 'client' ? 1 : 2;
    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    // Frames already read are handled before the end is (inbound is a queue).
    const later = (reason: string) => this.queueInbound([{ type: 'hangup', reason }]);
    socket.on('end', () => later('the peer closed the connection'));
    socket.on('close', () => later('connection closed'));
    socket.on('error', () => later('connection error'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes received that do not make a whole frame yet. */
  get pendingBytes(): number {
    return this.parser.pending;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Opens a stream (SYN_STREAM) and waits for the peer's SYN_REPLY. */
  async openStream(headers: SpdyHeaders, opts: { fin?: boolean } = {}): Promise<SpdyStream> {
    if (this.goneAway || this.closed) throw new Error('session is closing');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, headers);
    if (opts.fin) s.markLocalFin();
    this.streams.set(id, s);
    await this.sendHeaders({ type: 'syn_stream', streamId: id, associatedId: 0, priority: 0, slot: 0, flags: opts.fin ? FLAG_FIN : 0 }, headers);
    await s.replyPromise;
    return s;
  }

  /** Round-trips a PING. */
  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) % 0x7fffffff;
    return new Promise<void>((resolve, reject) => {
      this.pings.set(id, resolve);
      this.sendFrame({ type: 'ping', id }).catch(reject);
    });
  }

  /** @internal queues a frame; resolves once the socket took it. */
  sendFrame(f: SpdyFrame): Promise<void> {
    return this.enqueue(async () => encodeFrame(f));
  }

  /** @internal queues a frame whose header block must be compressed first (in send order). */
  sendHeaders(
    f: { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; slot: number; flags: number } | { type: 'syn_reply' | 'headers'; streamId: number; flags: number },
    headers: SpdyHeaders,
  ): Promise<void> {
    // Compression is started now (contexts are ordered by call), the write waits for its turn.
    const block = this.compressor.compress(headers);
    return this.enqueue(async () => encodeFrame({ ...f, headerBlock: await block } as SpdyFrame));
  }

  private enqueue(make: () => Promise<Buffer>): Promise<void> {
    if (++this.outBacklog > MAX_OUTBOUND_BACKLOG) {
      this.outBacklog--;
      this.destroy(`the peer does not read: ${MAX_OUTBOUND_BACKLOG} frames are waiting`);
      return Promise.reject(new Error('connection closed'));
    }
    const p = this.out.then(async () => {
      if (this.closed || this.socket.destroyed) throw new Error('connection closed');
      const buf = await make();
      await new Promise<void>((resolve, reject) => {
        this.socket.write(buf, (err) => (err ? reject(err) : resolve()));
      });
    });
    this.out = p.catch(() => undefined).then(() => {
      this.outBacklog--;
    });
    return p;
  }

  /** Sends GOAWAY, then ends the socket once everything queued is written. */
  async close(status = 0): Promise<void> {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      await this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastRemoteStreamId, status }).catch(() => undefined);
    }
    await this.out;
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  destroy(reason = 'session destroyed'): void {
    this.socket.destroy();
    this.teardown(reason);
  }

  /** @internal */
  removeStream(s: SpdyStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.unacked.delete(s.id);
    this.paused.delete(s.id);
    this.maybeResume();
  }

  /** @internal a stream's reader is behind: stop reading the socket. */
  pauseFor(s: SpdyStream): void {
    this.paused.add(s.id);
    this.socket.pause();
  }

  /** @internal */
  resumeFor(s: SpdyStream): void {
    if (this.paused.delete(s.id)) this.maybeResume();
  }

  private maybeResume(): void {
    if (this.paused.size === 0 && !this.inboundPaused && this.socket.isPaused()) this.socket.resume();
  }

  private onSocketData(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.protocolError(err as Error);
      return;
    }
    this.queueInbound(frames);
  }

  private queueInbound(items: typeof this.inbound): void {
    for (const f of items) this.inbound.push(f);
    if (this.inbound.length - this.inboundHead > MAX_INBOUND_BACKLOG && !this.inboundPaused) {
      this.inboundPaused = true;
      this.socket.pause();
    }
    if (!this.draining) void this.drainInbound();
  }

  /** Handles queued frames in order; one loop rather than a promise chain per frame. */
  private async drainInbound(): Promise<void> {
    this.draining = true;
    while (this.inboundHead < this.inbound.length) {
      const f = this.inbound[this.inboundHead++]!;
      if (this.inboundHead > 1024 && this.inboundHead * 2 > this.inbound.length) {
        this.inbound = this.inbound.slice(this.inboundHead);
        this.inboundHead = 0;
      }
      try {
        if (f.type === 'hangup') this.teardown(f.reason);
        else await this.handle(f);
      } catch (err) {
        this.protocolError(err as Error);
      }
    }
    this.inbound = [];
    this.inboundHead = 0;
    this.draining = false;
    if (this.inboundPaused) {
      this.inboundPaused = false;
      this.maybeResume();
    }
  }

  private protocolError(err: Error): void {
    if (this.closed) return;
    if (this.listenerCount('error')) this.emit('error', err);
    void this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastRemoteStreamId, status: 1 }).catch(() => undefined);
    void this.out.then(() => this.destroy(err.message));
  }

  private async handle(f: SpdyFrame): Promise<void> {
    if (this.closed) return;
    switch (f.type) {
      case 'syn_stream': {
        // Decompress first: the shared zlib context must see every block, even refused ones.
        const headers = await this.decompressor.decompress(f.headerBlock);
        const ownParity = this.opts.role === 'client' ? 1 : 0;
        if (f.streamId === 0 || f.streamId % 2 === ownParity || f.streamId <= this.lastRemoteStreamId) {
          await this.sendFrame({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.PROTOCOL_ERROR }).catch(() => undefined);
          return;
        }
        this.lastRemoteStreamId = f.streamId;
        if (this.streams.size >= MAX_CONCURRENT_STREAMS) {
          await this.sendFrame({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.REFUSED_STREAM }).catch(() => undefined);
          return;
        }
        if (this.goneAway) {
          await this.sendFrame({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.REFUSED_STREAM }).catch(() => undefined);
          return;
        }
        const s = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_UNIDIRECTIONAL) s.markLocalFin();
        if (f.flags & FLAG_FIN) s.onRemoteFin();
        if (this.listenerCount('stream')) this.emit('stream', s);
        else s.reset(RstStatus.REFUSED_STREAM);
        return;
      }
      case 'syn_reply': {
        await this.decompressor.decompress(f.headerBlock);
        this.streams.get(f.streamId)?.onReply((f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'headers': {
        await this.decompressor.decompress(f.headerBlock);
        if (f.flags & FLAG_FIN) this.streams.get(f.streamId)?.onRemoteFin();
        return;
      }
      case 'data': {
        // Data for unknown (already reset or finished) streams is dropped, as spdystream does.
        const s = this.streams.get(f.streamId);
        s?.onData(f.data, (f.flags & FLAG_FIN) !== 0);
        if (f.data.length) this.returnWindow(s && !(f.flags & FLAG_FIN) ? f.streamId : undefined, f.data.length);
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.onReset(`stream reset by peer (status ${f.status})`);
        return;
      case 'ping': {
        const ours = f.id % 2 === (this.opts.role === 'client' ? 1 : 0);
        if (ours) {
          this.pings.get(f.id)?.();
          this.pings.delete(f.id);
        } else {
          await this.sendFrame({ type: 'ping', id: f.id }).catch(() => undefined);
        }
        this.emit('ping', f.id);
        return;
      }
      case 'goaway':
        this.goneAway = true;
        this.emit('goaway', f.lastGoodStreamId, f.status);
        return;
      case 'window_update':
        this.emit('window_update', f.streamId, f.delta);
        return;
      case 'settings':
      case 'unknown':
        return;
    }
  }

  private returnWindow(streamId: number | undefined, n: number): void {
    for (const id of streamId === undefined ? [0] : [0, streamId]) {
      const total = (this.unacked.get(id) ?? 0) + n;
      if (total < WINDOW_UPDATE_EVERY) {
        this.unacked.set(id, total);
        continue;
      }
      this.unacked.set(id, 0);
      void this.sendFrame({ type: 'window_update', streamId: id, delta: total }).catch(() => undefined);
    }
  }

  private teardown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.inbound = []; // what was queued is never handled now: free it
    this.inboundHead = 0;
    for (const s of [...this.streams.values()]) s.onSessionEnd(reason);
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    if (!this.socket.destroyed) this.socket.destroy();
    this.emit('close', reason);
  }
}

export { SpdyProtocolError };

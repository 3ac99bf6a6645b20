// One SPDY stream as a Node Duplex: reads are the peer's DATA frames (ending at its FIN), writes
// become our DATA frames, end() sends our FIN. The session (spdy-session.ts) owns the wire.
import { Duplex } from 'node:stream';
import { FLAG_FIN, RstStatus, type SpdyFrame } from './spdy-frames.js';
import type { SpdyHeaders } from './spdy-headers.js';

/** Payload size of the data frames we send. */
const DATA_CHUNK = 32 * 1024;

/** What a stream needs from its session. */
export interface StreamHost {
  readonly isClosed: boolean;
  sendFrame(f: SpdyFrame): Promise<void>;
  sendHeaders(f: { type: 'syn_reply' | 'headers'; streamId: number; flags: number }, headers: SpdyHeaders): Promise<void>;
  removeStream(s: SpdyStream): void;
  pauseFor(s: SpdyStream): void;
  resumeFor(s: SpdyStream): void;
}

export class SpdyStream extends Duplex {
  /** The stream's headers as the peer (or we) opened it with. */
  readonly headers: SpdyHeaders;
  replied = false;
  private localFin = false;
  private remoteFin = false;
  private wasReset = false;
  /** Resolves when the peer's SYN_REPLY arrives (streams we open). */
  readonly replyPromise: Promise<void>;
  private settleReply!: { resolve: () => void; reject: (e: Error) => void };

  constructor(
    private readonly session: StreamHost,
    readonly id: number,
    headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true, highWaterMark: 256 * 1024 });
    this.headers = headers;
    this.replyPromise = new Promise<void>((resolve, reject) => (this.settleReply = { resolve, reject }));
    this.replyPromise.catch(() => undefined);
  }

  /** First value of one of the stream's headers. */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  get isReset(): boolean {
    return this.wasReset;
  }

  /** Accepts a stream the peer opened (SYN_REPLY). */
  reply(headers: SpdyHeaders = {}, fin = false): Promise<void> {
    this.replied = true;
    if (fin) this.localFin = true;
    const p = this.session.sendHeaders({ type: 'syn_reply', streamId: this.id, flags: fin ? FLAG_FIN : 0 }, headers);
    if (fin) this.maybeRemove();
    return p;
  }

  /** Aborts the stream both ways (RST_STREAM). */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.localFin = this.remoteFin = true;
    void this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status }).catch(() => undefined);
    this.session.removeStream(this);
    this.push(null);
    this.destroy();
  }

  override _read(): void {
    this.session.resumeFor(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localFin || this.wasReset || this.session.isClosed) {
      cb(); // writes after a reset or hang-up are dropped (as spdystream does), never an error
      return;
    }
    let last: Promise<void> = Promise.resolve();
    for (let o = 0; o < chunk.length; o += DATA_CHUNK) {
      last = this.session.sendFrame({ type: 'data', streamId: this.id, flags: 0, data: chunk.subarray(o, o + DATA_CHUNK) });
    }
    last.then(
      () => cb(),
      () => cb(),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localFin || this.wasReset) {
      cb();
      return;
    }
    this.localFin = true;
    this.session.sendFrame({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) }).then(
      () => {
        this.maybeRemove();
        cb();
      },
      () => cb(),
    );
  }

  /** @internal data from the peer. */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFin) return;
    if (data.length && !this.push(data)) this.session.pauseFor(this);
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.maybeRemove();
  }

  /** @internal */
  onReply(fin: boolean): void {
    if (this.replied) return;
    this.replied = true;
    this.settleReply.resolve();
    if (fin) this.onRemoteFin();
  }

  /** @internal the peer reset the stream or the session ended. */
  onReset(reason: string): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.settleReply.reject(new Error(reason));
    this.localFin = this.remoteFin = true;
    this.push(null);
    this.session.removeStream(this);
    this.emit('reset', reason);
    this.destroy();
  }

  /** @internal the connection is gone: readers see the end, writers are dropped. */
  onSessionEnd(reason: string): void {
    this.settleReply.reject(new Error(reason));
    this.localFin = true;
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.emit('hangup', reason);
  }

  /** @internal */
  markLocalFin(): void {
    this.localFin = true;
  }

  private maybeRemove(): void {
    if (this.localFin && this.remoteFin) this.session.removeStream(this);
  }
}


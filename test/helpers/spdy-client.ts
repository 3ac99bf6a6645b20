// A SPDY/3.1 streaming client that behaves as client-go's remotecommand and portforward do (what
// kubectl and crictl run): HTTP/1.1 Upgrade with X-Stream-Protocol-Version, then one stream per
// channel, each opened only after the previous one was replied to.
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';
import { SpdySession, type SpdyStream } from '../../src/streaming/spdy-session.js';
import type { K8sStatus } from '../../src/streaming/status.js';

export const DEFAULT_REMOTECOMMAND = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export class UpgradeError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly headers: http.IncomingHttpHeaders,
  ) {
    super(`upgrade refused: ${statusCode} ${body.trim()}`);
  }
}

export interface SpdyConnection {
  session: SpdySession;
  protocol: string;
}

/** Upgrades url to SPDY/3.1 offering `protocols` (in order). */
export function spdyConnect(url: string, protocols: string[]): Promise<SpdyConnection> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocols },
      rejectUnauthorized: false,
    } as https.RequestOptions);
    req.once('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const session = new SpdySession(socket, { role: 'client' });
      if (head.length) socket.unshift(head);
      resolve({ session, protocol: String(res.headers['x-stream-protocol-version'] ?? '') });
    });
    req.once('response', (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.once('end', () => reject(new UpgradeError(res.statusCode ?? 0, body, res.headers)));
    });
    req.once('error', reject);
    req.end();
  });
}

export interface ExecOptions {
  protocols?: string[];
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  tty?: boolean;
}

/** An interactive exec/attach session. */
export class SpdyRemoteCommand {
  private constructor(
    readonly conn: SpdyConnection,
    readonly error: SpdyStream,
    readonly stdin: SpdyStream | undefined,
    readonly stdout: SpdyStream | undefined,
    readonly stderr: SpdyStream | undefined,
    readonly resizeStream: SpdyStream | undefined,
  ) {}

  static async open(url: string, opts: ExecOptions = {}): Promise<SpdyRemoteCommand> {
    const conn = await spdyConnect(url, opts.protocols ?? DEFAULT_REMOTECOMMAND);
    const v = /^v(\d)\./.exec(conn.protocol)?.[1];
    const version = v ? Number(v) : 1;
    const s = conn.session;
    const error = await s.openStream({ streamtype: ['error'] });
    const stdin = opts.stdin ? await s.openStream({ streamtype: ['stdin'] }) : undefined;
    const stdout = opts.stdout !== false ? await s.openStream({ streamtype: ['stdout'] }) : undefined;
    const stderr = opts.stderr !== false && !opts.tty ? await s.openStream({ streamtype: ['stderr'] }) : undefined;
    const resize = opts.tty && version >= 3 ? await s.openStream({ streamtype: ['resize'] }) : undefined;
    return new SpdyRemoteCommand(conn, error, stdin, stdout, stderr, resize);
  }

  private seen = '';
  private watching = false;

  /**
   * Types `line` into the terminal until the output (since the last match) matches `re`: a
   * resize travels client → runtime → terminal asynchronously, so a command run too early may
   * still see the old size. Gives up after `tries` rounds.
   */
  async typeUntil(line: string, re: RegExp, tries = 60): Promise<string> {
    if (!this.watching) {
      this.watching = true;
      this.stdout?.on('data', (b: Buffer) => (this.seen += b.toString()));
    }
    for (let i = 0; i < tries; i++) {
      this.stdin?.write(line);
      for (let j = 0; j < 10 && !re.test(this.seen); j++) await new Promise((r) => setTimeout(r, 20));
      const m = re.exec(this.seen);
      if (m) {
        this.seen = this.seen.slice(m.index + m[0].length);
        return m[0];
      }
    }
    throw new Error(`terminal output never matched ${re}: ${JSON.stringify(this.seen.slice(-500))}`);
  }

  resize(width: number, height: number): void {
    this.resizeStream?.write(JSON.stringify({ Width: width, Height: height }) + '\n');
  }

  /** Collects stdout/stderr to the end and decodes the error stream (as client-go does). */
  async wait(): Promise<{ stdout: Buffer; stderr: Buffer; status: K8sStatus | string | undefined; exitCode: number | undefined }> {
    const [stdout, stderr, err] = await Promise.all([collect(this.stdout), collect(this.stderr), collect(this.error)]);
    const text = err.toString();
    let status: K8sStatus | string | undefined;
    let exitCode: number | undefined;
    if (/^v[45]\./.test(this.conn.protocol)) {
      status = JSON.parse(text) as K8sStatus;
      if (status.status === 'Success') exitCode = 0;
      else if (status.reason === 'NonZeroExitCode') exitCode = Number(status.details?.causes.find((c) => c.reason === 'ExitCode')?.message);
    } else {
      status = text || undefined;
      if (!text) exitCode = 0;
    }
    void this.conn.session.close();
    return { stdout, stderr, status, exitCode };
  }
}

export function collect(s: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!s) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (b: Buffer) => chunks.push(b));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Runs a non-interactive exec: sends `input` (then closes stdin), returns the output and code. */
export async function spdyExec(url: string, input?: Buffer | string, opts: ExecOptions = {}) {
  const rc = await SpdyRemoteCommand.open(url, { ...opts, stdin: input !== undefined || opts.stdin });
  if (rc.stdin) rc.stdin.end(input ?? '');
  return rc.wait();
}

/** A port-forward connection: open one pair of streams per forwarded connection. */
export class SpdyPortForward {
  private nextRequest = 0;
  private constructor(readonly conn: SpdyConnection) {}

  static async open(url: string): Promise<SpdyPortForward> {
    return new SpdyPortForward(await spdyConnect(url, ['portforward.k8s.io']));
  }

  /**
   * kubectl ≥ 1.30's way: SPDY tunnelled through a WebSocket (subprotocol SPDY/3.1+portforward.k8s.io).
   * ws refuses that name client-side (a '/' is not a token character), so the handshake is done here
   * and ws only frames the upgraded socket.
   */
  static async openTunnel(url: string): Promise<SpdyPortForward> {
    const u = new URL(url);
    const key = randomBytes(16).toString('base64');
    const { res, socket, head } = await new Promise<{ res: http.IncomingMessage; socket: Duplex; head: Buffer }>((resolve, reject) => {
      const req = (u.protocol === 'https:' ? https : http).request(u, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io' },
        rejectUnauthorized: false,
      } as https.RequestOptions);
      req.once('upgrade', (r: http.IncomingMessage, s: Duplex, h: Buffer) => resolve({ res: r, socket: s, head: h }));
      req.once('response', (r) => reject(new UpgradeError(r.statusCode ?? 0, '', r.headers)));
      req.once('error', reject);
      req.end();
    });
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    if (res.headers['sec-websocket-accept'] !== accept) throw new Error('bad Sec-WebSocket-Accept');
    // ws's server-side constructor path, switched to client framing (masked frames).
    const ws = new (WebSocket as unknown as new (a: null, p: undefined, o: object) => WebSocket)(null, undefined, { autoPong: true }) as WebSocket & {
      _isServer: boolean;
      setSocket(s: Duplex, h: Buffer, o: object): void;
    };
    ws._isServer = false;
    ws.setSocket(socket, head, { maxPayload: 0, skipUTF8Validation: false, allowSynchronousEvents: true });
    const session = new SpdySession(createWebSocketStream(ws), { role: 'client' });
    return new SpdyPortForward({ session, protocol: String(res.headers['sec-websocket-protocol'] ?? '') });
  }

  /** Opens the error then the data stream for one connection to `port`, as kubectl does. */
  async connect(port: number | string): Promise<{ data: SpdyStream; error: SpdyStream; errorText: Promise<string> }> {
    const id = String(this.nextRequest++);
    const h = { port: [String(port)], requestid: [id] };
    const error = await this.conn.session.openStream({ ...h, streamtype: ['error'] });
    // kubectl closes its side of the error stream right away: it only reads from it.
    error.end();
    const errorText = collect(error).then((b) => b.toString());
    const data = await this.conn.session.openStream({ ...h, streamtype: ['data'] });
    return { data, error, errorText };
  }

  close(): Promise<void> {
    return this.conn.session.close();
  }
}

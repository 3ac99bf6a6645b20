// The streaming HTTP server inside the daemon. Exec/Attach/PortForward register their validated
// request and hand out /exec|/attach|/portforward/<token>; the client upgrades that URL to SPDY/3.1
// (X-Stream-Protocol-Version negotiation) or to a WebSocket (Sec-WebSocket-Protocol).
import type { IncomingMessage, ServerResponse, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { http, https } from '../util/node-http.js';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer, WebSocket } from 'ws';
import type { Logger } from '../log/logger.js';
import type { StreamingBackend } from './backend.js';
import { serveSpdyPortForward } from './portforward-spdy.js';
import {
  HEADER_ACCEPTED_PROTOCOL_VERSIONS,
  HEADER_PROTOCOL_VERSION,
  headerList,
  negotiate,
  PORTFORWARD_V1,
  REMOTECOMMAND_V1,
  SPDY_PORTFORWARD_PROTOCOLS,
  SPDY_REMOTECOMMAND_PROTOCOLS,
  WS_PORTFORWARD_PROTOCOLS,
  WS_REMOTECOMMAND_PROTOCOLS,
  WS_SPDY_TUNNEL_PORTFORWARD,
} from './protocols.js';
import type { StreamingRequest } from './remotecommand.js';
import { serveSpdyRemoteCommand } from './remotecommand-spdy.js';
import { SpdySession } from './spdy-session.js';
import { TokenCache } from './token-cache.js';
import { PersistentTokens } from './token-file.js';
import { serveWsPortForward, serveWsRemoteCommand } from './websocket-serve.js';

export interface StreamingServerOptions {
  address: string;
  /** 0: a free port. */
  port: number;
  tokenTtlMs: number;
  /** PEM files; both set: serve TLS. */
  tlsCert?: string;
  tlsKey?: string;
  backend: StreamingBackend;
  log: Logger;
  /** How long a client has to open its SPDY streams (kubelet: 30 s). */
  streamCreationTimeoutMs?: number;
  /** Close connections without traffic for this long; 0: never. */
  idleTimeoutMs?: number;
  /** Where tokens are persisted across restarts (token-file.ts); undefined: memory only. */
  stateDir?: string;
}

const PATHS: Record<StreamingRequest['kind'], string> = { exec: 'exec', attach: 'attach', portforward: 'portforward' };

// ws is loaded at the first WebSocket upgrade: most daemons never see one, and loading it is a
// noticeable part of start-up.
let wsModule: Promise<typeof import('ws')> | undefined;
const loadWs = (): Promise<typeof import('ws')> => (wsModule ??= import('ws'));

function reject(socket: Duplex, code: number, reason: string, message: string, headers: Record<string, string[]> = {}): void {
  const extra = Object.entries(headers).flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}\r\n`)).join('');
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

export class StreamingServer {
  private readonly tokens: PersistentTokens;
  /** The subprotocol picked for each WebSocket upgrade (ws asks through handleProtocols). */
  private readonly picked = new WeakMap<IncomingMessage, string>();
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<Duplex>();
  private readonly sessions = new Set<SpdySession>();
  private base = '';
  private listenPort = 0;

  private constructor(
    private readonly server: HttpServer | HttpsServer,
    private readonly opts: StreamingServerOptions,
  ) {
    this.tokens = new PersistentTokens(new TokenCache(opts.tokenTtlMs), opts.log, opts.stateDir);
  }

  static async start(opts: StreamingServerOptions): Promise<StreamingServer> {
    const tls = Boolean(opts.tlsCert && opts.tlsKey);
    const server = tls ? https.createServer({ cert: readFileSync(opts.tlsCert!), key: readFileSync(opts.tlsKey!) }) : http.createServer();
    const s = new StreamingServer(server, opts);
    const restored = await s.tokens.load();
    if (restored) opts.log.info({ tokens: restored }, 'streaming URLs of the previous daemon restored');
    server.on('request', (req, res) => s.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => s.onUpgrade(req, socket, head));
    server.on('connection', (sock: Socket) => {
      s.sockets.add(sock);
      sock.once('close', () => s.sockets.delete(sock));
    });
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(opts.port, opts.address, () => {
        server.off('error', rejectListen);
        resolve();
      });
    });
    const a = server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    s.base = `${tls ? 'https' : 'http'}://${host}:${a.port}`;
    s.listenPort = a.port;
    return s;
  }

  /** e.g. http://127.0.0.1:41234 */
  get baseUrl(): string {
    return this.base;
  }

  get port(): number {
    return this.listenPort;
  }

  /** Stores a validated request; returns the single-use URL for it. */
  async register(req: StreamingRequest): Promise<string> {
    const token = await this.tokens.insert(req);
    return `${this.base}/${PATHS[req.kind]}/${token}`;
  }

  /** Stops listening and ends every session. */
  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy('streaming server closing');
    for (const sock of this.sockets) sock.destroy();
    for (const c of this.wss?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async lookup(url: string | undefined): Promise<{ req?: StreamingRequest; status?: [number, string, string] }> {
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]{1,128})(?:\?.*)?$/.exec(url ?? '');
    if (!m) return { status: [404, 'Not Found', 'not found'] };
    const req = await this.tokens.consume(m[2]!);
    if (!req || PATHS[req.kind] !== m[1]) return { status: [404, 'Not Found', 'unknown or expired streaming token'] };
    return { req };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    void this.lookup(req.url).then(({ req: sr, status }) => this.answerPlain(res, sr, status));
  }

  private answerPlain(res: ServerResponse, sr: StreamingRequest | undefined, status: [number, string, string] | undefined): void {
    const [code, , message] = status ?? [400, 'Bad Request', 'unable to upgrade: missing upgrade headers in request'];
    if (sr) this.opts.log.info({ kind: sr.kind }, 'streaming request without an upgrade');
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${message}\n`);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const idle = this.opts.idleTimeoutMs ?? 0;
    const sock = socket as Socket;
    if (idle > 0 && typeof sock.setTimeout === 'function') {
      // Inactivity in either direction; an exec'd process is killed when its session goes.
      sock.setTimeout(idle, () => sock.destroy());
    }
    void this.lookup(req.url).then(({ req: sr, status }) => this.route(req, socket, head, sr, status));
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer, sr: StreamingRequest | undefined, status: [number, string, string] | undefined): void {
    // The client may have gone while the token was looked up.
    if (socket.destroyed) return;
    if (!sr) {
      const [code, reason, message] = status!;
      this.opts.log.info({ path: req.url?.replace(/\/[^/]+$/, '/…'), code }, 'streaming request refused');
      reject(socket, code, reason, message);
      return;
    }
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    const log = this.opts.log.child({ streaming: sr.kind, ...(sr.kind === 'portforward' ? { pod_sandbox_id: sr.podSandboxId } : { container_id: sr.containerId }) });
    if (upgrade === 'websocket') this.upgradeWebSocket(req, socket, head, sr, log);
    else if (upgrade.includes('spdy/3.1')) this.upgradeSpdy(req, socket, head, sr, log);
    else reject(socket, 400, 'Bad Request', `unable to upgrade: unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}`);
  }

  private upgradeSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, sr: StreamingRequest, log: Logger): void {
    const supported = sr.kind === 'portforward' ? SPDY_PORTFORWARD_PROTOCOLS : SPDY_REMOTECOMMAND_PROTOCOLS;
    const asked = headerList(req.headers[HEADER_PROTOCOL_VERSION.toLowerCase()]);
    // No header: the oldest protocol, as kubelet falls back for old clients.
    const protocol = asked.length ? negotiate(asked, supported) : sr.kind === 'portforward' ? PORTFORWARD_V1 : REMOTECOMMAND_V1;
    if (!protocol) {
      reject(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${asked.join(' ')}], server accepts [${supported.join(' ')}]`, {
        [HEADER_ACCEPTED_PROTOCOL_VERSIONS]: [...supported],
      });
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${HEADER_PROTOCOL_VERSION}: ${protocol}\r\n\r\n`);
    const session = new SpdySession(socket, { role: 'server' });
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.on('error', (err: Error) => log.info({ err: err.message }, 'SPDY protocol error'));
    if (head.length) socket.unshift(head);
    log.debug({ protocol }, 'SPDY session started');
    const timeout = this.opts.streamCreationTimeoutMs ?? 30_000;
    const run =
      sr.kind === 'portforward'
        ? serveSpdyPortForward(session, sr, { backend: this.opts.backend, log, streamCreationTimeoutMs: timeout })
        : serveSpdyRemoteCommand(session, sr, { protocol, backend: this.opts.backend, log, streamCreationTimeoutMs: timeout });
    run.catch((err: unknown) => {
      log.error({ err }, 'streaming session failed');
      session.destroy();
    });
  }

  private upgradeWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, sr: StreamingRequest, log: Logger): void {
    const supported = sr.kind === 'portforward' ? WS_PORTFORWARD_PROTOCOLS : WS_REMOTECOMMAND_PROTOCOLS;
    const asked = headerList(req.headers['sec-websocket-protocol']);
    const protocol = asked.length ? negotiate(asked, supported) : '';
    if (protocol === undefined) {
      reject(socket, 400, 'Bad Request', `requested protocol(s) are not supported: [${asked.join(' ')}]; supports [${supported.join(' ')}]`);
      return;
    }
    let ports: number[] = [];
    if (sr.kind === 'portforward' && protocol !== WS_SPDY_TUNNEL_PORTFORWARD) {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.getAll('port').flatMap((p) => p.split(','));
      const fromQuery = q.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
      if (fromQuery.some((p) => !(p >= 1 && p <= 65535))) {
        reject(socket, 400, 'Bad Request', `invalid port in query: ${q.join(',')}`);
        return;
      }
      ports = sr.ports.length ? sr.ports : fromQuery;
      if (!ports.length) {
        reject(socket, 400, 'Bad Request', 'query parameter "port" is required');
        return;
      }
    }
    this.picked.set(req, protocol);
    // "SPDY/3.1+…" has a '/', which RFC 6455 tokens (and so ws's header parser) do not allow, though
    // kubectl sends it: hand ws a placeholder; handleProtocols answers with the real name.
    if (protocol) req.headers['sec-websocket-protocol'] = 'rktlet-negotiated';
    loadWs().then(
      (m) => this.acceptWebSocket(m, req, socket, head, sr, log, protocol, ports),
      (err: unknown) => {
        log.error({ err }, 'cannot load the WebSocket library');
        reject(socket, 500, 'Internal Server Error', 'WebSocket support is unavailable');
      },
    );
  }

  private acceptWebSocket(
    m: typeof import('ws'),
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    sr: StreamingRequest,
    log: Logger,
    protocol: string,
    ports: number[],
  ): void {
    this.wss ??= new m.WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 16 * 1024 * 1024,
      handleProtocols: (_offered, r) => this.picked.get(r) ?? false,
    });
    // The connection may have gone (or the server closed) while ws was loading.
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      log.debug({ protocol }, 'WebSocket session started');
      ws.on('error', (err) => log.info({ err: err.message }, 'WebSocket error'));
      const opts = { backend: this.opts.backend, log };
      if (sr.kind === 'portforward' && protocol === WS_SPDY_TUNNEL_PORTFORWARD) {
        // The WebSocket is only a pipe for a SPDY session: serve it as if it had been upgraded.
        const session = new SpdySession(m.createWebSocketStream(ws), { role: 'server' });
        this.sessions.add(session);
        session.once('close', () => this.sessions.delete(session));
        session.on('error', (err: Error) => log.info({ err: err.message }, 'SPDY protocol error'));
        serveSpdyPortForward(session, sr, { ...opts, streamCreationTimeoutMs: this.opts.streamCreationTimeoutMs ?? 30_000 }).catch((err: unknown) => {
          log.error({ err }, 'streaming session failed');
          session.destroy();
        });
        return;
      }
      const run = sr.kind === 'portforward' ? serveWsPortForward(ws, protocol, sr, ports, opts) : serveWsRemoteCommand(ws, protocol, sr, opts);
      run.catch((err: unknown) => {
        log.error({ err }, 'streaming session failed');
        ws.terminate();
      });
    });
  }
}

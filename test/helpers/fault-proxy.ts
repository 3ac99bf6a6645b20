// A fault-injecting HTTP proxy in front of a test registry (test/helpers/registry.ts): requests
// whose path matches a rule get that rule's fault; the rest are forwarded as they are. Every
// request is logged with what happened to it, so tests can count downloads and attempts.
//
// API:
//   startFaultProxy(registry) -> Promise<FaultProxy>
//     proxy.host                 '127.0.0.1:PORT' (pull `${proxy.host}/repo:tag`)
//     proxy.setFaults([...])     replaces the rules; the first rule matching a request applies
//     proxy.log                  every request: { path, fault, status, bytes, closedEarly }
//     proxy.count(re)            how many requests had a path matching re
//     proxy.stop()
//   Rules ({ path: RegExp | string (substring), times?: n (the first n matching requests only), ... }):
//     { status: 503, headers?: { 'retry-after': '1' } }   answers that status with a short body
//     { reset: true, afterBytes: n }      forwards n bytes of the body, then a TCP reset (the
//                                         client's kernel may drop what it had not read yet)
//     { close: true, afterBytes: n }      forwards n bytes of the body, then closes (FIN): the
//                                         client gets exactly n bytes, then a premature end
//     { stallBody: true, afterBytes: n }  forwards n bytes of the body, then sends nothing more
//     { stallHeaders: true }              accepts the request and never answers
//     { corrupt: true }                   flips bytes in the middle of the body (same length)
//     { hugeBody: n, announce?: bool }    200 with n bytes of JSON-looking padding (a manifest far
//                                         past any limit), with Content-Length when announce
//     { bytesPerSecond: n }               forwards the body at that rate (to make pulls overlap)
//     noRanges: true (with any of the above) the registry seems to know no Range requests
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from './registry.js';

export interface FaultRule {
  path: RegExp | string;
  /** Applies to the first `times` matching requests only (default: all). */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  reset?: boolean;
  close?: boolean;
  stallBody?: boolean;
  stallHeaders?: boolean;
  afterBytes?: number;
  corrupt?: boolean;
  hugeBody?: number;
  announce?: boolean;
  bytesPerSecond?: number;
  /** Serve no ranges: drop the Range asked for and the Accept-Ranges answered. */
  noRanges?: boolean;
}

export interface ProxyLogEntry {
  path: string;
  /** Which fault it got ('' for none). */
  fault: string;
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
  /** The client went away before the whole answer was sent. */
  closedEarly: boolean;
  /** When the request came (Date.now()) and when its answer ended or broke off. */
  at: number;
  endedAt: number;
}

export interface FaultProxy {
  host: string;
  url: string;
  log: ProxyLogEntry[];
  setFaults(rules: FaultRule[]): void;
  count(path: RegExp | string): number;
  stop(): Promise<void>;
}

/** Waits for the client to take more (or to be gone), leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function matches(p: RegExp | string, path: string): boolean {
  return typeof p === 'string' ? path.includes(p) : p.test(path);
}

function faultName(r: FaultRule): string {
  if (r.status) return `status ${r.status}`;
  if (r.reset) return 'reset';
  if (r.close) return 'close';
  if (r.stallBody) return 'stall-body';
  if (r.stallHeaders) return 'stall-headers';
  if (r.corrupt) return 'corrupt';
  if (r.hugeBody) return 'huge';
  if (r.bytesPerSecond) return 'throttle';
  if (r.noRanges) return 'no-ranges';
  return 'none';
}

export async function startFaultProxy(upstream: Registry): Promise<FaultProxy> {
  const target = new URL(upstream.url);
  let rules: { rule: FaultRule; used: number }[] = [];
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();

  const pick = (path: string): FaultRule | undefined => {
    for (const r of rules) {
      if (!matches(r.rule.path, path)) continue;
      if (r.rule.times !== undefined && r.used >= r.rule.times) continue;
      r.used++;
      return r.rule;
    }
    return undefined;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, entry: ProxyLogEntry, rule: FaultRule | undefined): Promise<void> => {
    if (rule?.stallHeaders) return; // the socket stays open; stop() closes it
    if (rule?.status) {
      res.writeHead(rule.status, { 'content-type': 'text/plain', ...rule.headers });
      res.end(`injected ${rule.status}\n`);
      entry.status = rule.status;
      return;
    }
    if (rule?.hugeBody) {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const head = Buffer.from('{"schemaVersion":2,"pad":"');
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(rule.announce ? { 'content-length': String(rule.hugeBody) } : {}) });
      entry.status = 200;
      let sent = 0;
      res.write(head);
      sent += head.length;
      while (sent < rule.hugeBody && !res.destroyed) {
        const c = chunk.subarray(0, Math.min(chunk.length, rule.hugeBody - sent));
        sent += c.length;
        entry.bytes = sent;
        if (!res.write(c)) await drained(res);
      }
      res.end();
      return;
    }
    const forwarded = { ...req.headers, host: target.host };
    if (rule?.noRanges) delete forwarded.range;
    const up = await new Promise<IncomingMessage>((resolve, reject) => {
      const u = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: forwarded },
        resolve,
      );
      u.once('error', reject);
      u.end();
    });
    const headers = { ...up.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    if (rule?.noRanges) delete headers['accept-ranges'];
    res.writeHead(up.statusCode ?? 502, headers);
    entry.status = up.statusCode ?? 502;
    const half = Number(up.headers['content-length'] ?? 0) >> 1;
    let sent = 0;
    for await (const c of up as AsyncIterable<Buffer>) {
      let chunk = c;
      if ((rule?.reset || rule?.close || rule?.stallBody) && sent + chunk.length >= (rule.afterBytes ?? 0)) {
        const keep = Math.max(0, (rule.afterBytes ?? 0) - sent);
        if (keep) await new Promise((r) => res.write(chunk.subarray(0, keep), r));
        entry.bytes = sent + keep;
        up.destroy();
        if (rule.reset) res.socket?.resetAndDestroy();
        if (rule.close) res.socket?.end();
        return; // stallBody: nothing more, the connection stays open
      }
      if (rule?.corrupt && sent <= half && half < sent + chunk.length) {
        chunk = Buffer.from(chunk);
        for (let i = half - sent; i < Math.min(chunk.length, half - sent + 64); i++) chunk[i] = chunk[i]! ^ 0xff;
      }
      if (rule?.bytesPerSecond) {
        for (let o = 0; o < chunk.length && !res.destroyed; o += 16 * 1024) {
          const part = chunk.subarray(o, o + 16 * 1024);
          res.write(part);
          sent += part.length;
          entry.bytes = sent;
          await sleep((part.length / rule.bytesPerSecond) * 1000);
        }
        if (res.destroyed) {
          up.destroy();
          return;
        }
        continue;
      }
      sent += chunk.length;
      entry.bytes = sent;
      if (!res.write(chunk)) await drained(res);
      if (res.destroyed) {
        up.destroy();
        return;
      }
    }
    res.end();
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '';
    const rule = pick(path);
    const entry: ProxyLogEntry = { path, fault: rule ? faultName(rule) : '', status: 0, bytes: 0, closedEarly: false, at: Date.now(), endedAt: 0 };
    log.push(entry);
    res.once('close', () => {
      entry.endedAt = Date.now();
      if (!res.writableFinished) entry.closedEarly = true;
    });
    serve(req, res, entry, rule).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  // TLS probes (the daemon tries HTTPS first on loopback registries) are no HTTP: drop them.
  server.on('clientError', (_err, s: Socket) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    log,
    setFaults(r) {
      rules = r.map((rule) => ({ rule, used: 0 }));
    },
    count(p) {
      return log.filter((e) => matches(p, e.path)).length;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

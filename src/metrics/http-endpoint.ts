// The Prometheus endpoint: GET /metrics on metrics.address ("127.0.0.1:9090", "[::1]:9090").
// Off unless configured; it exposes counts and timings only, never pod specs or ids.
import type { Server } from 'node:http';
import { http } from '../util/node-http.js';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors/catalog.js';
import type { Logger } from '../log/logger.js';
import type { RuntimeMetrics } from './registry.js';

export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('metrics.address', `"${address}" is not host:port (e.g. "127.0.0.1:9090")`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export interface MetricsEndpoint {
  port: number;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(address: string, registry: RuntimeMetrics, log: Logger): Promise<MetricsEndpoint> {
  const { host, port } = parseListenAddress(address);
  const server: Server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.text().then(
      (body) => res.writeHead(200, { 'content-type': registry.registry.contentType }).end(body),
      (err: unknown) => {
        log.warn({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConfigError('metrics.address', `cannot listen on ${address}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  log.info({ address: `${host}:${actual}` }, 'serving Prometheus metrics at /metrics');
  return {
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

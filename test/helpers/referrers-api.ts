// The OCI referrers API in front of a test registry. Debian's docker-registry (distribution 2.8)
// predates OCI 1.1: it stores manifests with `subject` and `artifactType` but answers
// GET /v2/<name>/referrers/<digest> with 404, which is how clients know to fall back to the
// referrers tag schema. For the tests of the API path, this front answers that endpoint the way
// distribution-spec v1.1 "Listing Referrers" says (an image index of the descriptors of every
// manifest in the repository whose subject is the digest, artifactType from the manifest, its
// annotations, `?artifactType=` filtering with the OCI-Filters-Applied header), computed from
// the registry's own storage at each request; every other request is passed through unchanged.
//
// API:
//   startReferrersApi(registry) -> Promise<{ host, url, stop(), served(): number }>
//     pull `${front.host}/repo:tag`; served() counts the referrers requests it answered
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from './registry.js';

export interface ReferrersApi {
  host: string;
  url: string;
  /** Referrers requests answered so far. */
  served(): number;
  stop(): Promise<void>;
}

interface Stored {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string };
  subject?: { digest?: string };
  annotations?: Record<string, string>;
}

/** distribution's filesystem layout: docker/registry/v2/{repositories/<name>/_manifests/revisions,blobs}/sha256/… */
function referrersOf(storageDir: string, repo: string, digest: string, artifactType: string | null): Record<string, unknown>[] {
  const v2 = join(storageDir, 'docker', 'registry', 'v2');
  const revs = join(v2, 'repositories', repo, '_manifests', 'revisions', 'sha256');
  if (!existsSync(revs)) return [];
  const out: Record<string, unknown>[] = [];
  for (const hex of readdirSync(revs)) {
    const data = join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    if (!existsSync(data)) continue;
    const bytes = readFileSync(data);
    let m: Stored;
    try {
      m = JSON.parse(bytes.toString('utf8')) as Stored;
    } catch {
      continue;
    }
    if (m.subject?.digest !== digest) continue;
    const type = m.artifactType ?? m.config?.mediaType;
    if (artifactType && type !== artifactType) continue;
    out.push({ mediaType: m.mediaType, digest: `sha256:${hex}`, size: bytes.length, artifactType: type, ...(m.annotations ? { annotations: m.annotations } : {}) });
  }
  return out;
}

const REFERRERS = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/;

export async function startReferrersApi(upstream: Registry): Promise<ReferrersApi> {
  const target = new URL(upstream.url);
  const sockets = new Set<Socket>();
  let served = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const u = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    u.on('error', () => res.destroy());
    req.pipe(u);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = req.method === 'GET' ? REFERRERS.exec(url.pathname) : null;
    if (!m) return forward(req, res);
    served++;
    const filter = url.searchParams.get('artifactType');
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: referrersOf(upstream.storageDir, m[1]!, m[2]!, filter) };
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', ...(filter ? { 'oci-filters-applied': 'artifactType' } : {}) });
    res.end(JSON.stringify(index));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    served: () => served,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

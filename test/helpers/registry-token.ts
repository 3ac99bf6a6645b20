// A tiny token issuer for registry bearer auth (the distribution token spec), for tests:
// docker-registry trusts its certificate; it hands out ES256 JWTs for basic credentials
// (GET ?service&scope) or for an identity (refresh) token (POST grant_type=refresh_token).
//
//   const ts = await startTokenServer({ username: 'bob', password: 'pw', refreshToken: 'r1' });
//   const reg = await startRegistry({ token: ts.registryConfig, pushToken: (repo) => ts.issue(repo, ['pull', 'push']) });
//   … ts.requests counts token requests; ts.stop()
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenAuthConfig } from './registry.js';

export interface TokenServerOptions {
  username: string;
  password: string;
  /** An identity token accepted in the refresh_token grant. */
  refreshToken?: string;
}

export interface TokenServer {
  url: string;
  registryConfig: TokenAuthConfig;
  /** A token for repo with the given actions (what the push helper uses). */
  issue(repo: string, actions: string[]): Promise<string>;
  requests: number;
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startTokenServer(o: TokenServerOptions): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-token-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=rktlet-test-token',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  const key = createPrivateKey(readFileSync(join(dir, 'key.pem')));
  const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const certDer = new X509Certificate(certPem).raw;
  rmSync(dir, { recursive: true, force: true });
  const service = 'rktlet-test-registry';
  const issuer = 'rktlet-test-issuer';

  const jwt = (sub: string, access: { type: string; name: string; actions: string[] }[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  };
  const accessFor = (scope: string | null) => {
    if (!scope) return [];
    const [type, name, actions] = scope.split(':');
    return type && name ? [{ type, name, actions: (actions ?? '').split(',').filter((a) => a === 'pull') }] : [];
  };

  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'refresh_token' || !o.refreshToken || form.get('refresh_token') !== o.refreshToken) {
          return reply(401, { error: 'invalid_grant' });
        }
        reply(200, { access_token: jwt(o.username, accessFor(form.get('scope'))), expires_in: 300 });
      });
      return;
    }
    const auth = req.headers.authorization ?? '';
    const want = 'Basic ' + Buffer.from(`${o.username}:${o.password}`).toString('base64');
    if (auth !== want) return reply(401, { errors: [{ code: 'UNAUTHORIZED' }] });
    reply(200, { token: jwt(o.username, accessFor(url.searchParams.get('scope'))), expires_in: 300 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    registryConfig: { realm: `${url}/token`, service, issuer, rootCertBundle: certPem },
    async issue(repo, actions) {
      return jwt('pusher', [{ type: 'repository', name: repo, actions }]);
    },
    get requests() {
      return state.requests;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Registry authentication: credentials from the CRI AuthConfig, `WWW-Authenticate` challenges,
// and the bearer-token flow of the distribution spec (password, identity and registry tokens).
import type { Dispatcher } from 'undici';
import { undici } from './undici-lazy.js';
import { InvalidArgumentError, UnauthenticatedError } from '../errors/catalog.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token sent to the registry as is. */
  registryToken?: string;
}

export interface AuthConfigLike {
  username: string;
  password: string;
  auth: string;
  identity_token: string;
  registry_token: string;
}

/** CRI AuthConfig → credentials; `auth` is base64("user:password") as in Docker's config. */
export function credentialsFromAuthConfig(a: AuthConfigLike | null | undefined): Credentials | undefined {
  if (!a) return undefined;
  const c: Credentials = {};
  if (a.username) c.username = a.username;
  if (a.password) c.password = a.password;
  if (a.auth && !a.username) {
    const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i <= 0) throw new InvalidArgumentError('auth.auth must be base64 of "username:password"');
    c.username = decoded.slice(0, i);
    c.password = decoded.slice(i + 1);
  }
  if (a.identity_token) c.identityToken = a.identity_token;
  if (a.registry_token) c.registryToken = a.registry_token;
  return Object.keys(c).length ? c : undefined;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (first challenge only). */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(h);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  return { scheme: m[1]!.toLowerCase(), params };
}

export function basicHeader(c: Credentials): string | undefined {
  if (c.username === undefined || c.password === undefined) return undefined;
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

interface CachedToken {
  token: string;
  expires: number;
}

/** Fetches and caches bearer tokens per realm, service, scope and credentials. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  /** `timeoutMs`: no answer, or no byte of it, for this long fails the request (a stall). */
  async token(ch: Challenge, scope: string, creds: Credentials | undefined, dispatcher: Dispatcher | undefined, timeoutMs?: number): Promise<string> {
    if (creds?.registryToken) return creds.registryToken;
    const realm = ch.params.realm;
    if (!realm) throw new UnauthenticatedError('registry asked for a bearer token without naming a realm');
    const service = ch.params.service ?? '';
    const key = JSON.stringify([realm, service, scope, creds?.username ?? '', creds?.identityToken ?? '', creds?.password ?? '']);
    const hit = this.tokens.get(key);
    if (hit && hit.expires > Date.now()) return hit.token;
    const url = new URL(realm);
    const { request } = await undici();
    const timeouts = timeoutMs ? { headersTimeout: timeoutMs, bodyTimeout: timeoutMs } : {};
    let res: Dispatcher.ResponseData;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service, scope, client_id: 'rktlet' });
      res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        ...timeouts,
        ...(dispatcher ? { dispatcher } : {}),
      });
    } else {
      if (service) url.searchParams.set('service', service);
      if (scope) url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      const basic = creds ? basicHeader(creds) : undefined;
      if (basic) headers.authorization = basic;
      res = await request(url, { headers, ...timeouts, ...(dispatcher ? { dispatcher } : {}) });
    }
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new UnauthenticatedError(`token server ${url.origin} refused the credentials (HTTP ${res.statusCode})`);
    }
    if (res.statusCode !== 200) throw new UnauthenticatedError(`token server ${url.origin} answered HTTP ${res.statusCode}`);
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (err) {
      throw new UnauthenticatedError(`token server ${url.origin} sent no JSON`, { cause: err });
    }
    const token = body.token || body.access_token;
    if (!token) throw new UnauthenticatedError(`token server ${url.origin} sent no token`);
    const ttl = Math.max(10, Number(body.expires_in) || 60);
    this.tokens.set(key, { token, expires: Date.now() + (ttl - 5) * 1000 });
    return token;
  }
}

// A client for OCI distribution registries (Registry HTTP API v2): endpoints (mirrors first, then
// the origin), HTTPS by default with plain HTTP only for loopback and configured insecure
// registries (registry-host.ts), auth challenges, redirects, and digest checks on manifests.
import type { Agent, Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import {
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  InvalidArgumentError,
  ResourceExhaustedError,
  CancelledError,
} from '../errors/catalog.js';
import type { Logger } from '../log/logger.js';
import { basicHeader, parseChallenge, TokenCache, type Challenge, type Credentials } from './auth.js';
import { digestOf } from './content-store.js';
import { MANIFEST_ACCEPT, MEDIA } from './manifest.js';
import { undici } from './undici-lazy.js';
import { isInsecureRegistry } from './registry-host.js';
import { neverConnected, registryTransportError } from './registry-errors.js';
import { classifyTransport, isAbort, isRetryable, parseRetryAfter, RETRY_STATUS, RetryBudget, TransientRegistryError } from './registry-retry.js';
import type { ImageReference } from './reference.js';

export interface RegistryConfig {
  mirrors: Record<string, string[]>;
  insecure_registries: string[];
  /** Loopback registries count as insecure ones (image.insecure_loopback; default true). */
  insecure_loopback?: boolean;
  /** Largest manifest read from a registry (image.max_manifest_bytes). */
  max_manifest_bytes: number;
  /** No answer or no byte for this long abandons a request (image.pull_progress_timeout_seconds). */
  pull_progress_timeout_seconds?: number;
  /** Retries of transient faults per manifest or blob (image.pull_retries). */
  pull_retries?: number;
  /** First backoff, doubled for each next retry (image.pull_retry_delay_seconds). */
  pull_retry_delay_seconds?: number;
}

export interface Endpoint {
  /** "https://registry-1.docker.io", "http://127.0.0.1:5000" */
  base: string;
  mirror: boolean;
  /** TLS without verification, falling back to plain HTTP (loopback and insecure registries only). */
  insecure: boolean;
  /** The name image.insecure_registries would list for it ("host[:port]"). */
  registry: string;
}

/** Where docker.io's API lives. */
function originHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

export function endpointsFor(domain: string, cfg: Pick<RegistryConfig, 'mirrors' | 'insecure_registries' | 'insecure_loopback'>): Endpoint[] {
  const out: Endpoint[] = [];
  const loopback = cfg.insecure_loopback ?? true;
  for (const m of cfg.mirrors[domain] ?? []) {
    const u = new URL(m);
    const base = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '')}`;
    out.push({ base, mirror: true, insecure: u.protocol === 'https:' && isInsecureRegistry(u.host, cfg.insecure_registries, loopback), registry: u.host });
  }
  out.push({ base: `https://${originHost(domain)}`, mirror: false, insecure: isInsecureRegistry(domain, cfg.insecure_registries, loopback), registry: domain });
  return out;
}

export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  endpoint: Endpoint;
}

export interface BlobResponse {
  body: Readable;
  /** The whole blob's size, when the registry said it (not for a range). */
  size: number | undefined;
  endpoint: Endpoint;
  /** The registry serves byte ranges of it (Accept-Ranges: bytes). */
  acceptRanges: boolean;
  /** The answer is the range asked for (206), not the whole blob. */
  partial: boolean;
}

/**
 * Drops a response body unread. undici reports the abort as an 'error' event on the body, which
 * would crash the daemon with no listener: the listener is what this adds.
 */
export function abandon(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function isRedirect(code: number): boolean {
  return code === 301 || code === 302 || code === 303 || code === 307 || code === 308;
}

export class RegistryClient {
  private readonly tokens = new TokenCache();
  /** For insecure registries only; made at first use. */
  private insecureAgent: Agent | undefined;
  /** Insecure registries found to speak plain HTTP only. */
  private readonly plainHttp = new Set<string>();

  constructor(
    private readonly cfg: RegistryConfig,
    private readonly log: Logger,
  ) {}

  async close(): Promise<void> {
    await this.insecureAgent?.close();
  }

  /** Seconds without an answer or a byte after which a request is abandoned. */
  get progressTimeoutSec(): number {
    return this.cfg.pull_progress_timeout_seconds ?? 300;
  }

  /** The attempts one manifest or blob may take (shared by request and body faults). */
  retryBudget(signal?: AbortSignal, retries = this.cfg.pull_retries ?? 3): RetryBudget {
    return new RetryBudget({ retries, delayMs: (this.cfg.pull_retry_delay_seconds ?? 1) * 1000 }, signal);
  }

  /**
   * A mirror gets one attempt: the next endpoint (in the end the registry itself, which gets the
   * retries) is a better bet than waiting for a failing mirror.
   */
  private budgetFor(ep: Endpoint, signal: AbortSignal | undefined, shared?: RetryBudget): RetryBudget {
    if (ep.mirror) return this.retryBudget(signal, 0);
    return shared ?? this.retryBudget(signal);
  }

  /** Logs a retry (the operator sees the flaky registry even when the pull succeeds). */
  retryLogger(what: string): (waitMs: number, err: Error) => void {
    return (waitMs, err) => this.log.warn({ what, waitMs, err: err.message }, 'registry fault; retrying');
  }

  private async insecureDispatcher(): Promise<Agent> {
    const { Agent } = await undici();
    this.insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
    return this.insecureAgent;
  }

  /**
   * Where requests to `ep` go: its own URL, or its plain-HTTP twin once an insecure registry
   * turned out not to speak TLS. Error messages name this, the place that answered.
   */
  baseFor(ep: Endpoint): string {
    return ep.insecure && this.plainHttp.has(ep.base) ? ep.base.replace(/^https:/, 'http:') : ep.base;
  }

  /** One GET with auth challenges and redirects handled; never returns 401. */
  private async get(
    ep: Endpoint,
    repo: string,
    path: string,
    creds: Credentials | undefined,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    // Credentials go to the registry they were given for, never to a mirror.
    const useCreds = ep.mirror ? undefined : creds;
    const scope = `repository:${repo}:pull`;
    let auth: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.send(ep, `/v2/${repo}/${path}`, { ...headers, ...(auth ? { authorization: auth } : {}) }, signal);
      if (res.statusCode !== 401) return res;
      await res.body.dump();
      if (attempt === 1) break;
      const ch = parseChallenge(res.headers['www-authenticate']);
      if (ch?.scheme === 'bearer') {
        const realm = ch.params.realm ? new URL(ch.params.realm) : undefined;
        if (realm?.protocol === 'http:' && !this.baseFor(ep).startsWith('http:') && !ep.insecure) {
          throw new PermissionDeniedError(`registry ${this.baseFor(ep)} names a plain-HTTP token realm ${realm.origin}; refused`);
        }
        auth = 'Bearer ' + (await this.token(ch, scope, useCreds, ep, repo));
      } else if (ch?.scheme === 'basic') {
        auth = useCreds ? basicHeader(useCreds) : undefined;
        if (!auth) break;
      } else {
        break;
      }
    }
    throw new UnauthenticatedError(
      `registry ${this.baseFor(ep)} requires authentication for ${repo}` + (useCreds ? ' and refused the credentials' : ' (no credentials given)'),
    );
  }

  /**
   * get() with transient faults (5xx, 429, a broken connection, no answer in time) retried, with
   * backoff, as long as `budget` allows; the last fault is thrown when it runs out.
   */
  private async getRetrying(
    ep: Endpoint,
    repo: string,
    path: string,
    creds: Credentials | undefined,
    headers: Record<string, string>,
    what: string,
    budget: RetryBudget,
    signal?: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    for (;;) {
      let res: Dispatcher.ResponseData;
      try {
        res = await this.get(ep, repo, path, creds, headers, signal);
      } catch (err) {
        if (signal?.aborted || isAbort(err)) throw new CancelledError(`fetching ${what} was cancelled`, { cause: err });
        // A token server's stall comes classified already.
        const fault = isRetryable(err) ? err : classifyTransport(err, `registry ${this.baseFor(ep)}`, what, this.progressTimeoutSec);
        if (!fault) throw err;
        await budget.next(fault, this.retryLogger(what));
        continue;
      }
      if (!RETRY_STATUS.has(res.statusCode)) return res;
      await res.body.dump().catch(() => undefined);
      const fault = new TransientRegistryError(`registry ${this.baseFor(ep)} answered HTTP ${res.statusCode} for ${what}`);
      fault.retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      await budget.next(fault, this.retryLogger(what));
    }
  }

  /** A bearer token; a token server that does not answer is a stall like a registry's. */
  private async token(ch: Challenge, scope: string, creds: Credentials | undefined, ep: Endpoint, repo: string): Promise<string> {
    const dispatcher = ep.insecure ? await this.insecureDispatcher() : undefined;
    try {
      return await this.tokens.token(ch, scope, creds, dispatcher, this.progressTimeoutSec * 1000);
    } catch (err) {
      const origin = URL.canParse(ch.params.realm ?? '') ? new URL(ch.params.realm!).origin : '?';
      throw classifyTransport(err, `token server ${origin}`, `a pull token for ${repo}`, this.progressTimeoutSec) ?? err;
    }
  }

  /** Sends a GET, following redirects (without our Authorization when the host changes). */
  private async send(ep: Endpoint, path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    const { request } = await undici();
    const dispatcher = ep.insecure ? await this.insecureDispatcher() : undefined;
    let url = new URL(this.baseFor(ep) + path);
    const origin = url.host;
    for (let hops = 0; hops < 6; hops++) {
      const h = url.host === origin ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization'));
      let res: Dispatcher.ResponseData;
      try {
        const timeout = this.progressTimeoutSec * 1000;
        res = await request(url, {
          method: 'GET',
          headers: h,
          // A registry that answers nothing, or stops sending, holds no pull forever. A body
          // held back by our own backpressure does not time out (undici pauses the timer).
          headersTimeout: timeout,
          bodyTimeout: timeout,
          ...(dispatcher ? { dispatcher } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        // An insecure or loopback registry that does not speak TLS: remember and use plain HTTP
        // (docker's order for such registries: HTTPS first, then HTTP). Not when the connection
        // never happened: a TLS registry that is down would stay mislabelled once it is up.
        if (ep.insecure && url.protocol === 'https:' && hops === 0 && !(signal?.aborted ?? false) && !neverConnected(err)) {
          this.log.debug({ endpoint: ep.base, err: (err as Error).message }, 'insecure registry: falling back to plain HTTP');
          this.plainHttp.add(ep.base);
          url = new URL(this.baseFor(ep) + path);
          continue;
        }
        throw err;
      }
      if (!isRedirect(res.statusCode)) return res;
      await res.body.dump();
      const loc = res.headers.location;
      if (!loc) throw new UnavailableError(`registry ${this.baseFor(ep)} redirected without a location`);
      const next = new URL(String(loc), url);
      if (next.protocol !== 'https:' && url.protocol === 'https:') throw new PermissionDeniedError(`registry ${this.baseFor(ep)} redirected to plain HTTP`);
      url = next;
    }
    throw new UnavailableError(`registry ${this.baseFor(ep)}: too many redirects`);
  }

  /** Tries each endpoint in order (mirrors, then the origin); the first that answers wins. */
  private async tryEndpoints<T>(domain: string, prefer: Endpoint | undefined, fn: (ep: Endpoint) => Promise<T>): Promise<T> {
    const eps = endpointsFor(domain, this.cfg);
    if (prefer) eps.sort((a, b) => (a.base === prefer.base ? -1 : b.base === prefer.base ? 1 : 0));
    let lastErr: unknown;
    for (const ep of eps) {
      try {
        return await fn(ep);
      } catch (err) {
        lastErr = err;
        const name = ep.mirror ? `mirror ${ep.base}` : ep.base;
        this.log.debug({ endpoint: name, err: (err as Error).message }, 'registry endpoint failed');
        // The origin's own answer decides the error class (not found, unauthorised, …).
        if (!ep.mirror) throw registryTransportError(ep.registry, ep.insecure, err);
      }
    }
    throw lastErr;
  }

  async fetchManifest(ref: ImageReference, reference: string, creds: Credentials | undefined, signal?: AbortSignal, prefer?: Endpoint): Promise<Manifest> {
    return this.tryEndpoints(ref.domain, prefer, async (ep) => {
      const what = `manifest ${ref.path}:${reference}`;
      const budget = this.budgetFor(ep, signal);
      for (;;) {
        const res = await this.getRetrying(ep, ref.path, `manifests/${reference}`, creds, { accept: MANIFEST_ACCEPT }, what, budget, signal);
        let bytes: Buffer;
        try {
          bytes = await this.manifestBody(ep, ref, reference, res);
        } catch (err) {
          if (signal?.aborted) throw new CancelledError(`fetching ${what} was cancelled`, { cause: err });
          const fault = classifyTransport(err, `registry ${this.baseFor(ep)}`, what, this.progressTimeoutSec);
          if (!fault) throw err;
          await budget.next(fault, this.retryLogger(what));
          continue;
        }
        return this.checkManifest(ep, reference, res, bytes);
      }
    });
  }

  /**
   * The OCI referrers API (distribution-spec v1.1, "Listing Referrers"): the image index of the
   * manifests whose `subject` is `digest`, or undefined when the registry answers 404, which the
   * spec makes the sign of a registry without the API (the caller then reads the referrers tag);
   * 400 and 405, which a registry that routes no such endpoint may answer, are taken the same way.
   */
  async fetchReferrers(ref: ImageReference, digest: string, creds: Credentials | undefined, signal?: AbortSignal, prefer?: Endpoint): Promise<Buffer | undefined> {
    return this.tryEndpoints(ref.domain, prefer, async (ep) => {
      const what = `referrers of ${ref.path}@${digest}`;
      const res = await this.getRetrying(ep, ref.path, `referrers/${digest}`, creds, { accept: MEDIA.ociIndex }, what, this.budgetFor(ep, signal), signal);
      if (res.statusCode === 404 || res.statusCode === 400 || res.statusCode === 405) {
        await res.body.dump();
        return undefined;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new UnavailableError(`registry ${this.baseFor(ep)} answered HTTP ${res.statusCode} for the ${what}`);
      }
      return this.readManifest(res, `the ${what} from ${this.baseFor(ep)}`);
    });
  }

  /** The manifest's bytes from a response, or the error its status means. */
  private async manifestBody(ep: Endpoint, ref: ImageReference, reference: string, res: Dispatcher.ResponseData): Promise<Buffer> {
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new NotFoundError(`image ${ref.domain}/${ref.path}${reference.startsWith('sha256:') ? '@' : ':'}${reference} not found at ${this.baseFor(ep)}`);
    }
    if (res.statusCode === 403) {
      await res.body.dump();
      throw new PermissionDeniedError(`registry ${this.baseFor(ep)} denied access to ${ref.path}`);
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new UnavailableError(`registry ${this.baseFor(ep)} answered HTTP ${res.statusCode} for manifest ${ref.path}:${reference}`);
    }
    return this.readManifest(res, `manifest ${ref.path}:${reference} from ${this.baseFor(ep)}`);
  }

  /** Checks a manifest against the digest asked for and the one the registry claims. */
  private checkManifest(ep: Endpoint, reference: string, res: Dispatcher.ResponseData, bytes: Buffer): Manifest {
    const digest = digestOf(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new InvalidArgumentError(`manifest from ${this.baseFor(ep)} does not match its digest ${reference} (got ${digest})`);
    }
    const claimed = res.headers['docker-content-digest'];
    if (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new InvalidArgumentError(`manifest from ${this.baseFor(ep)} does not match the digest the registry claims (${claimed}, got ${digest})`);
    }
    return { bytes, mediaType: String(res.headers['content-type'] ?? ''), digest, endpoint: ep };
  }

  /** Reads a manifest body, stopping at image.max_manifest_bytes (announced or actual). */
  private async readManifest(res: Dispatcher.ResponseData, what: string): Promise<Buffer> {
    const max = this.cfg.max_manifest_bytes;
    const tooLarge = (n: string) => new ResourceExhaustedError(`${what} is ${n} bytes, more than the limit image.max_manifest_bytes (${max}) allows; refused`);
    const len = Number(res.headers['content-length'] ?? 0);
    if (len > max) {
      abandon(res.body);
      throw tooLarge(String(len));
    }
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of res.body) {
      n += (c as Buffer).length;
      if (n > max) {
        abandon(res.body);
        throw tooLarge('over ' + String(max));
      }
      parts.push(c as Buffer);
    }
    return Buffer.concat(parts, n);
  }

  /**
   * Opens a blob for streaming; the caller must consume or destroy the body and verify it. With
   * `from`, asks for the rest from that offset (Range); a registry that ignores it sends it all
   * (`partial` false) and the caller skips what it has.
   */
  async fetchBlob(
    ref: ImageReference,
    digest: string,
    creds: Credentials | undefined,
    prefer?: Endpoint,
    signal?: AbortSignal,
    budget?: RetryBudget,
    from?: number,
  ): Promise<BlobResponse> {
    return this.tryEndpoints(ref.domain, prefer, async (ep) => {
      const headers: Record<string, string> = from ? { range: `bytes=${from}-` } : {};
      const res = await this.getRetrying(ep, ref.path, `blobs/${digest}`, creds, headers, `blob ${digest}`, this.budgetFor(ep, signal, budget), signal);
      const partial = res.statusCode === 206 && from !== undefined;
      if (res.statusCode !== 200 && !partial) {
        await res.body.dump();
        if (res.statusCode === 404) throw new NotFoundError(`blob ${digest} of ${ref.path} not found at ${this.baseFor(ep)}`);
        if (res.statusCode === 403) throw new PermissionDeniedError(`registry ${this.baseFor(ep)} denied access to blob ${digest}`);
        throw new UnavailableError(`registry ${this.baseFor(ep)} answered HTTP ${res.statusCode} for blob ${digest}`);
      }
      if (partial && !String(res.headers['content-range'] ?? '').startsWith(`bytes ${from}-`)) {
        abandon(res.body);
        throw new UnavailableError(`registry ${this.baseFor(ep)} answered a range of blob ${digest} other than the one asked for (${String(res.headers['content-range'])})`);
      }
      const len = res.headers['content-length'];
      return {
        body: res.body,
        size: len !== undefined && !partial ? Number(len) : undefined,
        endpoint: ep,
        acceptRanges: /\bbytes\b/.test(String(res.headers['accept-ranges'] ?? '')),
        partial,
      };
    });
  }
}

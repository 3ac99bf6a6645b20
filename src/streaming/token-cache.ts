// Single-use, unguessable, expiring tokens for streaming URLs (kubelet's request cache): the CRI
// call stores its validated request under a token; the first HTTP request that presents the
// token takes it, later ones and late ones find nothing. Entries are keyed by the token's SHA-256,
// so what is kept (and persisted across restarts, token-file.ts) cannot be turned back into a URL.
import { createHash, randomBytes } from 'node:crypto';
import { ResourceExhaustedError } from '../errors/catalog.js';

/** One entry as kept and persisted: the token's hash, its expiry (ms since the epoch), the value. */
export interface TokenEntry<T> {
  hash: string;
  expires: number;
  value: T;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TokenCache<T> {
  private readonly entries = new Map<string, TokenEntry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxInFlight = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores value; returns its token (256 random bits, URL-safe). */
  insert(value: T): string {
    this.sweep();
    if (this.entries.size >= this.maxInFlight) {
      throw new ResourceExhaustedError(`too many streaming requests in flight (${this.maxInFlight}); try again later`);
    }
    const token = randomBytes(32).toString('base64url');
    const hash = hashToken(token);
    this.entries.set(hash, { hash, value, expires: this.now() + this.ttlMs });
    return token;
  }

  /** Takes the value out: a token works once, and only before it expires. */
  consume(token: string): T | undefined {
    const hash = hashToken(token);
    const e = this.entries.get(hash);
    if (!e) return undefined;
    this.entries.delete(hash);
    return e.expires > this.now() ? e.value : undefined;
  }

  /** The live entries (to persist them). */
  snapshot(): TokenEntry<T>[] {
    this.sweep();
    return [...this.entries.values()];
  }

  /** Puts back entries a previous daemon handed out; expired ones and those beyond the cap are dropped. */
  restore(list: TokenEntry<T>[]): number {
    const t = this.now();
    let n = 0;
    for (const e of list) {
      if (e.expires <= t || this.entries.size >= this.maxInFlight) continue;
      this.entries.set(e.hash, e);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expires <= t) this.entries.delete(k);
  }
}

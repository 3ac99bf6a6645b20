// Single-use, unguessable, expiring tokens for streaming URLs (kubelet's request cache): the CRI
// call stores its validated request under a token; the first HTTP request that presents the
// token takes it, later ones and late ones find nothing.
import { randomBytes } from 'node:crypto';
import { ResourceExhaustedError } from '../errors/catalog.js';

interface Entry<T> {
  value: T;
  expires: number;
}

export class TokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

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
    this.entries.set(token, { value, expires: this.now() + this.ttlMs });
    return token;
  }

  /** Takes the value out: a token works once, and only before it expires. */
  consume(token: string): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    this.entries.delete(token);
    return e.expires > this.now() ? e.value : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expires <= t) this.entries.delete(k);
  }
}

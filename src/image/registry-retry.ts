// Transient registry faults (5xx, 429, a reset connection, no answer at all) and the bounded,
// backed-off retries they get; and stalls: a registry that answered but stopped sending cancels
// the pull (containerd's image_pull_progress_timeout), naming the key that bounds it.
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, DeadlineExceededError, RktletError, UnavailableError } from '../errors/catalog.js';

export const RETRY_KEY = 'image.pull_retries';
export const PROGRESS_KEY = 'image.pull_progress_timeout_seconds';

/** Statuses a registry (or the proxy before it) sends for a fault that may pass. */
export const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** A Retry-After larger than this is not waited for (the next attempt is at most this far). */
const MAX_RETRY_AFTER_MS = 60_000;

/** A fault worth another attempt; `retryAfterMs` is the registry's own wish (Retry-After). */
export class TransientRegistryError extends UnavailableError {
  retryAfterMs: number | undefined;
}

/** No answer or no byte for image.pull_progress_timeout_seconds. */
export class StallError extends DeadlineExceededError {
  constructor(
    message: string,
    /** Nothing of the answer had come yet (no headers): retried like other transient faults. */
    readonly beforeProgress: boolean,
  ) {
    super(message);
  }
}

/** Faults that ended their budget (their message already counts the attempts). */
const spent = new WeakSet<Error>();

export interface RetryPolicy {
  retries: number;
  /** First wait; doubled for each next one. */
  delayMs: number;
}

/** Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(v: string | string[] | undefined, now = Date.now()): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const secs = Number(s);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(s) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : undefined;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof TransientRegistryError || (err instanceof StallError && err.beforeProgress);
}

/**
 * The attempts left for one registry object (a manifest, a blob): every fault, whether before the
 * answer or in the middle of its body, takes one. Shared by the layers of retrying, so the total
 * stays `retries + 1` attempts.
 */
export class RetryBudget {
  private used = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly signal?: AbortSignal,
  ) {}

  get attempts(): number {
    return this.used + 1;
  }

  /**
   * After `err`: waits the backoff and returns when another attempt may go, or throws the error
   * (naming how many attempts were made) when it is no transient fault or none is left.
   */
  async next(err: unknown, onRetry?: (waitMs: number, err: RktletError) => void): Promise<void> {
    if (this.signal?.aborted) throw new CancelledError('the pull was cancelled', { cause: err });
    if (!isRetryable(err)) throw err;
    const e = err as TransientRegistryError | StallError;
    if (this.used >= this.policy.retries) {
      // The same fault can come through twice (the request's loop, then the blob's): said once.
      if (this.used > 0 && !spent.has(e)) e.message += ` (${this.used + 1} attempts; ${RETRY_KEY} = ${this.policy.retries})`;
      spent.add(e);
      throw e;
    }
    const backoff = this.policy.delayMs * 2 ** this.used;
    const wait = e instanceof TransientRegistryError && e.retryAfterMs !== undefined ? Math.max(e.retryAfterMs, backoff) : backoff;
    this.used++;
    onRetry?.(wait, e);
    try {
      await sleep(wait, undefined, this.signal ? { signal: this.signal } : {});
    } catch {
      throw new CancelledError('the pull was cancelled', { cause: err });
    }
  }
}

interface ErrLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

function codes(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e && typeof e === 'object'; i++) {
    const c = (e as ErrLike).code;
    if (typeof c === 'string') out.push(c);
    e = (e as ErrLike).cause;
  }
  return out;
}

/** Errors of a connection that broke (reset, closed early): worth another attempt. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED']);

export function isAbort(err: unknown): boolean {
  return codes(err).includes('UND_ERR_ABORTED') || (err instanceof Error && err.name === 'AbortError');
}

/**
 * What a failed request or body read means (`who`: "registry http://…", "token server …"): a stall (no answer, or no byte, for the progress
 * timeout), a broken connection (transient), or undefined (left to the caller's own mapping:
 * unreachable, TLS, our own refusals).
 */
export function classifyTransport(err: unknown, who: string, what: string, timeoutSec: number): RktletError | undefined {
  if (err instanceof RktletError) return undefined;
  const cs = codes(err);
  if (cs.includes('UND_ERR_HEADERS_TIMEOUT')) {
    return new StallError(`${who} did not answer the request for ${what} within ${timeoutSec} s (${PROGRESS_KEY})`, true);
  }
  if (cs.includes('UND_ERR_BODY_TIMEOUT')) {
    return new StallError(`${who} stopped sending ${what}: no byte for ${timeoutSec} s (${PROGRESS_KEY}); pull cancelled`, false);
  }
  const broken = cs.find((c) => BROKEN.has(c));
  if (broken) {
    const msg = typeof (err as ErrLike).message === 'string' ? `: ${String((err as ErrLike).message)}` : '';
    return new TransientRegistryError(`connection to ${who} broke while fetching ${what} (${broken}${msg})`, { cause: err });
  }
  return undefined;
}

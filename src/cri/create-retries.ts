// The kubelet's retries of RunPodSandbox and CreateContainer (CRI-O's "resource store", with
// containerd's name reservation kept for everything else).
//
// A create can outlast its client: the kubelet's deadline passes, it gives up and, at its next
// sync, sends the very same request again (same name, attempt, uid). Refusing that retry with
// ALREADY_EXISTS (the name is taken by the object the first call made) leaves the pod stuck until
// the kubelet bumps the attempt, and the first object leaks until garbage collection. So:
// - while the first call runs, an identical retry waits for it (bounded by the retry's own
//   deadline) instead of failing, and takes no lock of its own;
// - when the first call finishes after its client gave up, the object it made is kept, hidden
//   from lists, for keepMs; an identical retry gets it (no lock, no work), and once the time is up
//   it is removed, as no one will ever learn its id;
// - a request that is not identical (other config under the same name) goes the normal way and is
//   refused ALREADY_EXISTS by the name reservation, as is a second identical call after the first
//   one's client got its answer.
// Memory only: after a daemon restart a kept object is an ordinary listed one, which the kubelet
// adopts or removes.
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { CancelledError } from '../errors/catalog.js';

export interface CreateCall {
  /** Names the object: 'pod <name_namespace_uid_attempt>', 'container <pod>/<name>/<attempt>'. */
  key: string;
  /** The whole request: a retry is identical when this is. */
  request: unknown;
  /** The caller's call: aborted when its client cancelled or its deadline passed. */
  signal: AbortSignal;
  create: () => Promise<string>;
  /** Whether the object still exists (someone may have removed it by id meanwhile). */
  exists: (id: string) => boolean;
  /** Removes an object kept for a retry that never came. */
  discard: (id: string) => Promise<void>;
}

interface Entry {
  fingerprint: string;
  /** Settles when the first call's create does. */
  running?: Promise<void>;
  /** The object made for a client that had gone. */
  kept?: { id: string; timer: NodeJS.Timeout };
}

/** Canonical JSON: map fields come in any order on the wire (Go marshals maps unordered). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof Uint8Array)) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, canonical(o[k])]));
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

export function fingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(request)) ?? '').digest('hex');
}

export class CreateRetries {
  private readonly entries = new Map<string, Entry>();
  /** Ids of kept objects: hidden from lists until claimed. */
  private readonly keptIds = new Set<string>();

  constructor(
    private readonly keepMs: number,
    private readonly log: Logger,
  ) {}

  /** Whether `id` is kept for a retry (lists leave it out: the kubelet must not adopt it). */
  holds(id: string): boolean {
    return this.keptIds.has(id);
  }

  get size(): number {
    return this.keptIds.size;
  }

  async run(c: CreateCall): Promise<string> {
    const fp = fingerprint(c.request);
    for (;;) {
      const e = this.entries.get(c.key);
      if (!e || e.fingerprint !== fp) break;
      if (e.kept) {
        const id = e.kept.id;
        if (!c.exists(id)) {
          this.drop(c.key, e);
          break;
        }
        // This client gone too: leave the object for the next retry.
        if (c.signal.aborted) throw new CancelledError(`${c.key}: the client gave up; kept for its retry`);
        this.drop(c.key, e);
        this.log.info({ key: c.key, id }, 'retry handed the object its first call made');
        return id;
      }
      await untilSettled(e.running!, c.signal, c.key);
    }
    return this.runFirst(c, fp);
  }

  private async runFirst(c: CreateCall, fp: string): Promise<string> {
    // Another request under this name (not identical) is in flight or kept: it goes the normal way
    // (the name reservation refuses it) and must not take the entry over.
    const mine = !this.entries.has(c.key);
    let settle!: () => void;
    const entry: Entry = { fingerprint: fp, running: new Promise<void>((r) => (settle = r)) };
    if (mine) this.entries.set(c.key, entry);
    try {
      const id = await c.create();
      if (mine && c.signal.aborted) {
        this.keep(c, entry, id);
        throw new CancelledError(`${c.key}: the client gave up before the answer; ${id} is kept for its retry`);
      }
      return id;
    } finally {
      if (mine) {
        delete entry.running;
        if (!entry.kept) this.entries.delete(c.key);
        settle();
      }
    }
  }

  private keep(c: CreateCall, entry: Entry, id: string): void {
    const timer = setTimeout(() => {
      if (this.entries.get(c.key) !== entry) return;
      this.drop(c.key, entry);
      this.log.warn({ key: c.key, id }, 'no retry came for an object whose client gave up: removing it');
      c.discard(id).catch((err: unknown) => this.log.warn({ key: c.key, id, err }, 'removing an unclaimed object failed'));
    }, this.keepMs);
    timer.unref();
    entry.kept = { id, timer };
    this.keptIds.add(id);
    this.log.info({ key: c.key, id, keep_ms: this.keepMs }, 'client gave up before the answer: object kept for its retry');
  }

  private drop(key: string, e: Entry): void {
    if (e.kept) {
      clearTimeout(e.kept.timer);
      this.keptIds.delete(e.kept.id);
    }
    if (this.entries.get(key) === e) this.entries.delete(key);
  }
}

/** Waits for the first call, or throws once this caller's own call is cancelled. */
function untilSettled(p: Promise<void>, signal: AbortSignal, key: string): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError(`${key}: the client gave up while the first call was running`));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError(`${key}: the client gave up while the first call was running`));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

const perEngine = new WeakMap<object, CreateRetries>();

/** The engine's one CreateRetries (made on first use). */
export function retriesOf(engine: { config: { grpc: { create_retry_keep_seconds: number } }; log: Logger }): CreateRetries {
  let r = perEngine.get(engine);
  if (!r) {
    r = new CreateRetries(engine.config.grpc.create_retry_keep_seconds * 1000, engine.log.child({ part: 'retries' }));
    perEngine.set(engine, r);
  }
  return r;
}

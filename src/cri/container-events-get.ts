// GetContainerEvents: a server stream of container lifecycle events (the kubelet's evented PLEG)
// with the pod's status and its containers' statuses at the time the event is sent.
//
// Each subscriber has its own bounded queue fed by engine.events; publishing never waits for a
// subscriber. A subscriber that falls QUEUE_CAPACITY events behind is closed with
// RESOURCE_EXHAUSTED instead of silently losing events: a lost STOPPED event would leave the
// kubelet believing a container still runs, while a closed stream makes it relist and
// resubscribe (its fallback), which is always correct.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import type { Engine } from '../engine.js';
import type { ContainerEvent } from '../events/bus.js';
import { ResourceExhaustedError } from '../errors/catalog.js';
import { podSandboxStatus } from './pod-status.js';

export const QUEUE_CAPACITY = 1024;

/** A bounded FIFO with one async reader; overflowing closes it. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((v: T | undefined) => void) | undefined;
  private closed = false;
  private onClosed!: () => void;
  overflowed = false;
  /** Resolves when the queue is closed (overflow, cancel, shutdown). */
  readonly whenClosed = new Promise<void>((resolve) => (this.onClosed = resolve));

  constructor(private readonly capacity: number) {}

  /** false when the queue is (now) closed: the item was not kept. */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(item);
      return true;
    }
    if (this.items.length >= this.capacity) {
      this.overflowed = true;
      this.close();
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** The next item, or undefined once closed and drained (an overflowed queue is not drained). */
  next(): Promise<T | undefined> {
    if (this.overflowed) return Promise.resolve(undefined);
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.closed = true;
    this.onClosed();
    if (this.overflowed) this.items.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }

  get length(): number {
    return this.items.length;
  }
}

// Open streams per engine, so shutdown can end them instead of waiting out its grace period.
const open = new WeakMap<Engine, Set<EventQueue<ContainerEvent>>>();
// Engines shutting down: a call accepted before the shutdown whose handler starts after it (it
// was still in the store sync every call does first) ends at once too. A clean-clone run saw
// one such stream hold the daemon for its whole 10 s grace period.
const closing = new WeakSet<Engine>();

/** Ends every GetContainerEvents stream of this engine, and any opened later (daemon shutdown). */
export function closeEventStreams(engine: Engine): void {
  closing.add(engine);
  for (const q of open.get(engine) ?? []) q.close();
}

export function subscriberCount(engine: Engine): number {
  return open.get(engine)?.size ?? 0;
}

type EventRes = RuntimeRes<'GetContainerEvents'>;

/** The pod's status and its containers' statuses, as PodSandboxStatus answers them. */
async function describe(ctx: CallContext, e: ContainerEvent): Promise<Pick<EventRes, 'pod_sandbox_status' | 'containers_statuses'>> {
  if (!e.podSandboxId) return { pod_sandbox_status: null, containers_statuses: [] };
  try {
    const res = await podSandboxStatus(ctx, { pod_sandbox_id: e.podSandboxId, verbose: false });
    return { pod_sandbox_status: res.status ?? null, containers_statuses: res.containers_statuses ?? [] };
  } catch (err) {
    // The pod may be gone already (deleted events): send the event without it.
    ctx.log.debug({ err, pod_sandbox_id: e.podSandboxId }, 'no pod status for container event');
    return { pod_sandbox_status: null, containers_statuses: [] };
  }
}

export async function getContainerEvents(
  ctx: CallContext,
  _req: RuntimeReq<'GetContainerEvents'>,
  send: (res: EventRes) => Promise<void>,
): Promise<void> {
  if (closing.has(ctx.engine)) return;
  const queue = new EventQueue<ContainerEvent>(QUEUE_CAPACITY);
  let streams = open.get(ctx.engine);
  if (!streams) open.set(ctx.engine, (streams = new Set()));
  streams.add(queue);
  const unsubscribe = ctx.engine.events.subscribe((e) => {
    if (!queue.push(e)) unsubscribe();
  });
  const onAbort = () => queue.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const e = await queue.next();
      if (e === undefined) break;
      const res: EventRes = {
        container_id: e.containerId,
        container_event_type: e.type,
        created_at: e.createdAtNs,
        ...(await describe(ctx, e)),
      };
      // A send blocked on a client that stopped reading ends when the queue closes (overflow,
      // cancel, shutdown) instead of holding the call open.
      await Promise.race([send(res), queue.whenClosed]);
      if (ctx.signal.aborted || (queue.overflowed && queue.length === 0)) break;
    }
    if (queue.overflowed) {
      ctx.log.warn({ capacity: QUEUE_CAPACITY }, 'container event subscriber fell behind; closing its stream');
      throw new ResourceExhaustedError(`container event subscriber fell more than ${QUEUE_CAPACITY} events behind; relist and subscribe again`);
    }
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener('abort', onAbort);
    streams.delete(queue);
  }
}

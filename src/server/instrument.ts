// The instrument layer around every CRI method: readiness gate, a child logger naming the RPC and
// the ids it touches, timing, cancellation, and the single error → gRPC status mapping.
import { status as GrpcStatus, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type ServiceError, Metadata } from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import type { Engine } from '../engine.js';
import type { CallContext } from '../cri/handler.js';
import { clip, toGrpcStatus } from '../errors/grpc-status.js';

export interface CallObserver {
  (rpc: string, seconds: number, code: GrpcStatus): void;
}

export interface InstrumentDeps {
  engine: () => Engine | undefined;
  log: Logger;
  observers: CallObserver[];
  /** Counts calls in flight so shutdown can wait for them. */
  inflight: Set<Promise<unknown>>;
}

/** The ids a call is about, for log lines (no payloads: configs can hold secrets). */
export function callIds(req: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof req !== 'object' || req === null) return out;
  const r = req as Record<string, unknown>;
  for (const k of ['pod_sandbox_id', 'container_id']) {
    if (typeof r[k] === 'string' && r[k]) out[k] = clip(r[k] as string, 256);
  }
  const image = r.image as { image?: unknown } | undefined;
  if (image && typeof image.image === 'string' && image.image) out.image = clip(image.image, 256);
  return out;
}

function serviceError(code: GrpcStatus, details: string): Partial<ServiceError> {
  return { code, details, metadata: new Metadata() };
}

/** The call's context; its child logger and abort signal are made on first use (most calls need neither). */
class Call implements CallContext {
  private child: Logger | undefined;
  private ac: AbortController | undefined;
  private cancelled = false;
  constructor(
    private readonly base: Logger,
    private readonly req: unknown,
    readonly engine: Engine,
    readonly rpc: string,
  ) {}

  get log(): Logger {
    this.child ??= this.base.child({ rpc: this.rpc, ...callIds(this.req) });
    return this.child;
  }

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.cancelled) this.abort();
    }
    return this.ac.signal;
  }

  cancel(): void {
    this.cancelled = true;
    if (this.ac) this.abort();
  }

  private abort(): void {
    this.ac?.abort(new Error(`${this.rpc} cancelled by the client`));
  }
}

function begin(deps: InstrumentDeps, rpc: string, req: unknown, onCancel: (f: () => void) => void) {
  const engine = deps.engine();
  const started = process.hrtime.bigint();
  // Without an engine nothing but finish() logs: a plain child is enough.
  const call = engine ? new Call(deps.log, req, engine, rpc) : undefined;
  if (call) onCancel(() => call.cancel());
  const logger = (): Logger => call?.log ?? deps.log.child({ rpc, ...callIds(req) });
  const finish = (code: GrpcStatus, err?: unknown) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const o of deps.observers) o(rpc, seconds, code);
    if (code === GrpcStatus.OK) {
      if (deps.log.isLevelEnabled('debug')) logger().debug({ ms: seconds * 1000 }, 'ok');
    } else if (code === GrpcStatus.INTERNAL || code === GrpcStatus.UNKNOWN) logger().error({ ms: seconds * 1000, err }, 'failed');
    else logger().info({ ms: seconds * 1000, code: GrpcStatus[code], err: clip(err instanceof Error ? err.message : String(err), 1024) }, 'refused');
  };
  return { ctx: call as CallContext | undefined, finish };
}

const NOT_READY = 'rktlet is recovering its state; try again shortly';

const SYNCED: Promise<void> = Promise.resolve();

/** `readsState`: the handler reads pod or container records, so the stores are synced first. */
export function unary<Req, Res>(
  deps: InstrumentDeps,
  rpc: string,
  handler: (ctx: CallContext, req: Req) => Promise<Res>,
  readsState = true,
) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const { ctx, finish } = begin(deps, rpc, call.request, (f) => call.on('cancelled', f));
    if (!ctx) {
      finish(GrpcStatus.UNAVAILABLE);
      callback(serviceError(GrpcStatus.UNAVAILABLE, NOT_READY));
      return;
    }
    // Pods and containers the daemonless CLI changed are seen by the next call.
    const p = (readsState ? ctx.engine.sync() : SYNCED).then(() => handler(ctx, call.request)).then(
      (res) => {
        finish(GrpcStatus.OK);
        callback(null, res);
      },
      (err: unknown) => {
        const s = toGrpcStatus(err);
        finish(s.code, err);
        callback(serviceError(s.code, s.details));
      },
    );
    deps.inflight.add(p);
    void p.finally(() => deps.inflight.delete(p));
  };
}

export function serverStream<Req, Res>(
  deps: InstrumentDeps,
  rpc: string,
  handler: (ctx: CallContext, req: Req, send: (res: Res) => Promise<void>) => Promise<void>,
) {
  return (call: ServerWritableStream<Req, Res>): void => {
    const { ctx, finish } = begin(deps, rpc, call.request, (f) => call.on('cancelled', f));
    if (!ctx) {
      finish(GrpcStatus.UNAVAILABLE);
      call.emit('error', serviceError(GrpcStatus.UNAVAILABLE, NOT_READY));
      return;
    }
    // Back-pressure: wait for 'drain' when the client reads slower than we write.
    const send = (res: Res) =>
      new Promise<void>((resolve) => {
        if (call.write(res)) resolve();
        else call.once('drain', () => resolve());
      });
    const p = ctx.engine.sync().then(() => handler(ctx, call.request, send)).then(
      () => {
        finish(GrpcStatus.OK);
        call.end();
      },
      (err: unknown) => {
        const s = toGrpcStatus(err);
        finish(s.code, err);
        call.emit('error', serviceError(s.code, s.details));
      },
    );
    deps.inflight.add(p);
    void p.finally(() => deps.inflight.delete(p));
  };
}

export function unimplemented(deps: InstrumentDeps, service: string, rpc: string, streaming: boolean) {
  const details = `${service}/${rpc} is not implemented by rktlet`;
  if (streaming) {
    return (call: ServerWritableStream<unknown, unknown>): void => {
      for (const o of deps.observers) o(rpc, 0, GrpcStatus.UNIMPLEMENTED);
      call.emit('error', serviceError(GrpcStatus.UNIMPLEMENTED, details));
    };
  }
  return (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
    for (const o of deps.observers) o(rpc, 0, GrpcStatus.UNIMPLEMENTED);
    callback(serviceError(GrpcStatus.UNIMPLEMENTED, details));
  };
}

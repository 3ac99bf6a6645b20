import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { pino } from 'pino';
import { unary, type InstrumentDeps } from './instrument.js';
import { NotFoundError } from '../errors/catalog.js';
import type { Engine } from '../engine.js';
import type { CallContext } from '../cri/handler.js';

function setup(level: string) {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  let children = 0;
  const child = log.child.bind(log);
  log.child = ((...a: Parameters<typeof child>) => {
    children++;
    return child(...a);
  }) as typeof log.child;
  let syncs = 0;
  const engine = { sync: async () => void syncs++ } as unknown as Engine;
  const observed: [string, number][] = [];
  const deps: InstrumentDeps = { engine: () => engine, log, observers: [(rpc, _s, code) => observed.push([rpc, code])], inflight: new Set() };
  return { deps, lines, observed, children: () => children, syncs: () => syncs };
}

function invoke<Res>(fn: (call: never, cb: (err: unknown, res?: Res) => void) => void, request: unknown) {
  const call = Object.assign(new EventEmitter(), { request });
  const done = new Promise<{ err: unknown; res?: Res }>((resolve) => fn(call as never, (err, res) => resolve({ err, res })));
  return { call, done };
}

test('a successful call syncs first, answers, and makes no child logger when debug is off', async () => {
  const t = setup('info');
  const h = unary(t.deps, 'ContainerStatus', async (ctx: CallContext, req: { container_id: string }) => ({ id: req.container_id, rpc: ctx.rpc }));
  const { done } = invoke(h, { container_id: 'abc' });
  const { err, res } = await done;
  assert.equal(err, null);
  assert.deepEqual(res, { id: 'abc', rpc: 'ContainerStatus' });
  assert.equal(t.syncs(), 1);
  assert.equal(t.children(), 0);
  assert.deepEqual(t.observed, [['ContainerStatus', GrpcStatus.OK]]);
  assert.equal(t.lines.length, 0);
});

test('debug on: the ok line names the RPC and the ids', async () => {
  const t = setup('debug');
  const h = unary(t.deps, 'ContainerStatus', async () => ({}));
  await invoke(h, { container_id: 'abc' }).done;
  assert.equal(t.lines.length, 1);
  assert.equal(t.lines[0]!.rpc, 'ContainerStatus');
  assert.equal(t.lines[0]!.container_id, 'abc');
  assert.equal(t.lines[0]!.msg, 'ok');
});

test('a handler logging and failing: one child logger, the error mapped to its gRPC code', async () => {
  const t = setup('info');
  const h = unary(t.deps, 'PodSandboxStatus', async (ctx: CallContext) => {
    ctx.log.info('looking');
    ctx.log.info('still looking');
    throw new NotFoundError('pod sandbox "x" not found');
  });
  const { err } = await invoke(h, { pod_sandbox_id: 'x' }).done;
  assert.equal((err as { code: number }).code, GrpcStatus.NOT_FOUND);
  assert.equal(t.children(), 1);
  assert.deepEqual(
    t.lines.map((l) => [l.msg, l.pod_sandbox_id, l.rpc]),
    [
      ['looking', 'x', 'PodSandboxStatus'],
      ['still looking', 'x', 'PodSandboxStatus'],
      ['refused', 'x', 'PodSandboxStatus'],
    ],
  );
});

test('cancellation aborts the signal, whether the handler took it before or after', async () => {
  const t = setup('info');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const seen: boolean[] = [];
  const early = unary(t.deps, 'ExecSync', async (ctx: CallContext) => {
    const s = ctx.signal;
    await gate;
    seen.push(s.aborted);
    return {};
  });
  const late = unary(t.deps, 'ExecSync', async (ctx: CallContext) => {
    await gate;
    seen.push(ctx.signal.aborted, ctx.signal === ctx.signal);
    return {};
  });
  const a = invoke(early, {});
  const b = invoke(late, {});
  await new Promise((r) => setImmediate(r));
  a.call.emit('cancelled');
  b.call.emit('cancelled');
  release();
  await Promise.all([a.done, b.done]);
  assert.deepEqual(seen, [true, true, true]);
});

test('before the engine is ready: UNAVAILABLE', async () => {
  const t = setup('info');
  const deps = { ...t.deps, engine: () => undefined };
  const h = unary(deps, 'Version', async () => ({}));
  const { err } = await invoke(h, {}).done;
  assert.equal((err as { code: number }).code, GrpcStatus.UNAVAILABLE);
});

test('a call that reads no pod or container state answers without syncing the stores', async () => {
  const t = setup('info');
  const h = unary(t.deps, 'Version', async () => ({ version: '0.1.0' }), false);
  const { err, res } = await invoke(h, {}).done;
  assert.equal(err, null);
  assert.deepEqual(res, { version: '0.1.0' });
  assert.equal(t.syncs(), 0);
  assert.deepEqual(t.observed, [['Version', GrpcStatus.OK]]);
});

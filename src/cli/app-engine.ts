// What the daemonless pod/app/exec verbs share: the engine opened on the state root (the same one
// `rktlet serve` uses, side by side with it), a CallContext so the verbs run the CRI handlers
// themselves, and CRI requests decoded exactly as the daemon decodes them (defaults filled in).
import type { Command } from 'commander';
import { stateConfig, type GlobalOptions } from './options.js';
import { createLogger } from '../log/logger.js';
import { Engine } from '../engine.js';
import { ensurePolicyFile } from '../image/trust/policy-file.js';
import { criServices } from '../server/proto.js';
import type { CallContext, RuntimeReq, RuntimeRpc } from '../cri/handler.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { describeContainer, describePod, pickOne } from './refs.js';
import type { PodRecord } from '../pod/types.js';
import type { ContainerRecord } from '../container/types.js';

/** Opens the engine, runs fn with a handler context, closes the engine (pods and containers keep running). */
export async function withEngine<T>(cmd: Command, fn: (ctx: CallContext) => Promise<T>): Promise<T> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const { config } = stateConfig({ ...opts, logLevel: opts.logLevel ?? 'warn' });
  const log = createLogger(config.log.level);
  await ensurePolicyFile(config.image.signature_policy); // first start: the default trust policy (app add pulls)
  const engine = await Engine.open({ config, log, sweepImages: false });
  const ac = new AbortController();
  const onSig = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSig);
  try {
    return await fn({ engine, log, signal: ac.signal, rpc: cmd.name() });
  } finally {
    process.off('SIGINT', onSig);
    await engine.close();
    log.flush();
  }
}

type MethodCodec = { requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): unknown };

/** A loose request as the daemon would receive it over the wire: decoded with every default set. */
export function criRequest<M extends RuntimeRpc>(rpc: M, loose: unknown): RuntimeReq<M> {
  const service = criServices()['runtime.v1.RuntimeService'] as unknown as Record<string, MethodCodec>;
  const m = service[rpc];
  if (!m) throw new InvalidArgumentError(`no such CRI method ${rpc}`);
  return m.requestDeserialize(m.requestSerialize(loose)) as RuntimeReq<M>;
}

/** A pod by ID, ID prefix or name; refused when several match. */
export function findPod(ctx: CallContext, ref: string): PodRecord {
  return pickOne('pod', ref, ctx.engine.pods.all(), describePod);
}

/** A container of the pod by ID, ID prefix or name; refused when several match. */
export function findApp(ctx: CallContext, pod: PodRecord, ref: string | undefined): ContainerRecord {
  if (!ref) throw new InvalidArgumentError('--app NAME|ID is required');
  return pickOne('app', ref, ctx.engine.containers.ofPod(pod.id), describeContainer, ` in pod ${pod.id.slice(0, 13)}`);
}

/** "K=V" pairs (flags given several times). */
export function keyValues(list: string[] | undefined, flag: string): { key: string; value: string }[] {
  return (list ?? []).map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`${flag} must be KEY=VALUE, got "${kv}"`);
    return { key: kv.slice(0, i), value: kv.slice(i + 1) };
  });
}


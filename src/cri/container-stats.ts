// ContainerStats: one container's CPU, memory, IO and writable layer usage.
import { InvalidArgumentError } from '../errors/catalog.js';
import { statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerStats(ctx: CallContext, req: RuntimeReq<'ContainerStats'>): Promise<RuntimeRes<'ContainerStats'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  const r = ctx.engine.containers.store.get(req.container_id);
  return { stats: await statsFor(ctx.engine).containerStats(r) };
}

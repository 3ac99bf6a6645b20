// ListContainerStats: stats of every container with a cgroup (created or running) matching the filter.
import { selectContainers, statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function listContainerStats(ctx: CallContext, req: RuntimeReq<'ListContainerStats'>): Promise<RuntimeRes<'ListContainerStats'>> {
  const all = ctx.engine.containers.store.list();
  const collector = statsFor(ctx.engine);
  collector.prune(all.map((r) => r.meta.id), ctx.engine.pods.all().map((p) => p.id));
  return { stats: await Promise.all(selectContainers(all, req.filter).map((r) => collector.containerStats(r))) };
}

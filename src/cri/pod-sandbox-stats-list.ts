// ListPodSandboxStats: stats of every ready pod matching the filter (id prefix, labels).
import { podContainers, selectPods, statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function listPodSandboxStats(ctx: CallContext, req: RuntimeReq<'ListPodSandboxStats'>): Promise<RuntimeRes<'ListPodSandboxStats'>> {
  const containers = ctx.engine.containers.store.list();
  const pods = await ctx.engine.pods.list(null);
  const collector = statsFor(ctx.engine);
  collector.prune(containers.map((r) => r.meta.id), pods.map((p) => p.id));
  return { stats: await Promise.all(selectPods(pods, req.filter).map((p) => collector.podStats(p, podContainers(containers, p.id)))) };
}

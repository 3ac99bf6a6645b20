// ListPodSandboxMetrics: cAdvisor-style metrics (see ListMetricDescriptors) of every ready pod
// and its containers.
import { podContainers, selectPods, statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function listPodSandboxMetrics(ctx: CallContext, _req: RuntimeReq<'ListPodSandboxMetrics'>): Promise<RuntimeRes<'ListPodSandboxMetrics'>> {
  const containers = ctx.engine.containers.store.list();
  const pods = selectPods(await ctx.engine.pods.list(null), null);
  const collector = statsFor(ctx.engine);
  return { pod_metrics: await Promise.all(pods.map((p) => collector.podMetrics(p, podContainers(containers, p.id)))) };
}

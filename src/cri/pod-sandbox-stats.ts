// PodSandboxStats: the pod's cgroup (CPU, memory, processes, IO), its network namespace's
// interfaces and its containers' stats.
import { InvalidArgumentError } from '../errors/catalog.js';
import { podContainers, statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function podSandboxStats(ctx: CallContext, req: RuntimeReq<'PodSandboxStats'>): Promise<RuntimeRes<'PodSandboxStats'>> {
  if (!req.pod_sandbox_id) throw new InvalidArgumentError('pod_sandbox_id is required');
  const pod = await ctx.engine.pods.status(req.pod_sandbox_id);
  return { stats: await statsFor(ctx.engine).podStats(pod, podContainers(ctx.engine.containers.store.list(), pod.id)) };
}

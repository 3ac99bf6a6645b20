// StreamPodSandboxStats: ListPodSandboxStats' answer as a stream, in bounded chunks.
import { podContainers, selectPods, statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

const CHUNK = 50;

export async function streamPodSandboxStats(
  ctx: CallContext,
  req: RuntimeReq<'StreamPodSandboxStats'>,
  send: (res: RuntimeRes<'StreamPodSandboxStats'>) => Promise<void>,
): Promise<void> {
  const containers = ctx.engine.containers.store.list();
  const pods = selectPods(await ctx.engine.pods.list(null), req.filter);
  const collector = statsFor(ctx.engine);
  if (pods.length === 0) await send({ pod_sandbox_stats: [] });
  for (let i = 0; i < pods.length && !ctx.signal.aborted; i += CHUNK) {
    await send({ pod_sandbox_stats: await Promise.all(pods.slice(i, i + CHUNK).map((p) => collector.podStats(p, podContainers(containers, p.id)))) });
  }
}

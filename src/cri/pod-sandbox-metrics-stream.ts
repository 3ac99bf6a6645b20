// StreamPodSandboxMetrics: ListPodSandboxMetrics' answer as a stream, in bounded chunks.
import { podContainers, selectPods, statsFor } from '../stats/engine-stats.js';
import { sendPages } from './stream-pages.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

const CHUNK = 50;

export async function streamPodSandboxMetrics(
  ctx: CallContext,
  _req: RuntimeReq<'StreamPodSandboxMetrics'>,
  send: (res: RuntimeRes<'StreamPodSandboxMetrics'>) => Promise<void>,
): Promise<void> {
  const containers = ctx.engine.containers.store.list();
  const pods = selectPods(await ctx.engine.pods.list(null), null);
  const collector = statsFor(ctx.engine);
  await sendPages(pods, CHUNK, ctx.signal, async (page) => ({
    pod_sandbox_metrics: await Promise.all(page.map((p) => collector.podMetrics(p, podContainers(containers, p.id)))),
  }), send);
}

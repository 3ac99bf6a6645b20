// StreamContainerStats: ListContainerStats' answer as a stream, in bounded chunks.
import { selectContainers, statsFor } from '../stats/engine-stats.js';
import { sendPages } from './stream-pages.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

const CHUNK = 100;

export async function streamContainerStats(
  ctx: CallContext,
  req: RuntimeReq<'StreamContainerStats'>,
  send: (res: RuntimeRes<'StreamContainerStats'>) => Promise<void>,
): Promise<void> {
  const selected = selectContainers(ctx.engine.containers.store.list(), req.filter);
  const collector = statsFor(ctx.engine);
  await sendPages(selected, CHUNK, ctx.signal, async (page) => ({
    container_stats: await Promise.all(page.map((r) => collector.containerStats(r))),
  }), send);
}

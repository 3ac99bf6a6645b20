// StreamContainerStats: ListContainerStats' answer as a stream, in bounded chunks.
import { selectContainers, statsFor } from '../stats/engine-stats.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

const CHUNK = 100;

export async function streamContainerStats(
  ctx: CallContext,
  req: RuntimeReq<'StreamContainerStats'>,
  send: (res: RuntimeRes<'StreamContainerStats'>) => Promise<void>,
): Promise<void> {
  const selected = selectContainers(ctx.engine.containers.store.list(), req.filter);
  const collector = statsFor(ctx.engine);
  if (selected.length === 0) await send({ container_stats: [] });
  for (let i = 0; i < selected.length && !ctx.signal.aborted; i += CHUNK) {
    await send({ container_stats: await Promise.all(selected.slice(i, i + CHUNK).map((r) => collector.containerStats(r))) });
  }
}

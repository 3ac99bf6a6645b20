// StreamContainers: ListContainers in pages, for very many containers.
import { filterContainers } from '../container/filter.js';
import { toCriContainer } from '../container/to-cri.js';
import { sendPages } from './stream-pages.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { retriesOf } from './create-retries.js';

const PAGE = 500;

export async function containerStream(
  ctx: CallContext,
  req: RuntimeReq<'StreamContainers'>,
  send: (res: RuntimeRes<'StreamContainers'>) => Promise<void>,
): Promise<void> {
  const retries = retriesOf(ctx.engine);
  const all = filterContainers(ctx.engine.containers.store.list(), req.filter)
    .filter((r) => !retries.holds(r.meta.id))
    .map(toCriContainer);
  await sendPages(all, PAGE, ctx.signal, (containers) => ({ containers }), send);
}

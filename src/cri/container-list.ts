// ListContainers: filtered by ID prefix, state, pod and labels.
import { filterContainers } from '../container/filter.js';
import { toCriContainer } from '../container/to-cri.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerList(ctx: CallContext, req: RuntimeReq<'ListContainers'>): Promise<RuntimeRes<'ListContainers'>> {
  return { containers: filterContainers(ctx.engine.containers.store.list(), req.filter).map(toCriContainer) };
}

// ListPodSandbox: every pod matching the filter (id or unique id prefix, state, labels).
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { toPodSandbox } from './pod-convert.js';

export async function listPodSandbox(ctx: CallContext, req: RuntimeReq<'ListPodSandbox'>): Promise<RuntimeRes<'ListPodSandbox'>> {
  return { items: (await ctx.engine.pods.list(req.filter)).map(toPodSandbox) };
}

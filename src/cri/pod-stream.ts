// StreamPodSandboxes: ListPodSandbox's answer sent as a stream, in bounded chunks.
import { sendPages } from './stream-pages.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { toPodSandbox } from './pod-convert.js';
import { retriesOf } from './create-retries.js';

const CHUNK = 500;

export async function streamPodSandboxes(
  ctx: CallContext,
  req: RuntimeReq<'StreamPodSandboxes'>,
  send: (res: RuntimeRes<'StreamPodSandboxes'>) => Promise<void>,
): Promise<void> {
  const retries = retriesOf(ctx.engine);
  const items = (await ctx.engine.pods.list(req.filter)).filter((p) => !retries.holds(p.id)).map(toPodSandbox);
  await sendPages(items, CHUNK, ctx.signal, (pod_sandboxes) => ({ pod_sandboxes }), send);
}

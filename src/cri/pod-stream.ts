// StreamPodSandboxes: ListPodSandbox's answer sent as a stream, in bounded chunks.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { toPodSandbox } from './pod-convert.js';

const CHUNK = 500;

export async function streamPodSandboxes(
  ctx: CallContext,
  req: RuntimeReq<'StreamPodSandboxes'>,
  send: (res: RuntimeRes<'StreamPodSandboxes'>) => Promise<void>,
): Promise<void> {
  const items = (await ctx.engine.pods.list(req.filter)).map(toPodSandbox);
  for (let i = 0; i < items.length; i += CHUNK) await send({ pod_sandboxes: items.slice(i, i + CHUNK) });
  if (items.length === 0) await send({ pod_sandboxes: [] });
}

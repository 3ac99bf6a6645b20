// StopPodSandbox: stops the pod's containers, tears down its network, stops the infra. Idempotent;
// an unknown pod is OK, all its resources being reclaimed (the CRI's contract; containerd 2 too).
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function stopPodSandbox(ctx: CallContext, req: RuntimeReq<'StopPodSandbox'>): Promise<RuntimeRes<'StopPodSandbox'>> {
  await ctx.engine.pods.stop(req.pod_sandbox_id);
  return {};
}

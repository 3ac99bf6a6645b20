// StopPodSandbox: stops the pod's containers, tears down its network, stops the infra. Idempotent;
// an unknown pod is NotFound (as containerd and CRI-O answer).
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function stopPodSandbox(ctx: CallContext, req: RuntimeReq<'StopPodSandbox'>): Promise<RuntimeRes<'StopPodSandbox'>> {
  await ctx.engine.pods.stop(req.pod_sandbox_id);
  return {};
}

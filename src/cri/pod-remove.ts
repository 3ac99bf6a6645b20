// RemovePodSandbox: removes everything of the pod; a pod that does not exist is not an error.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function removePodSandbox(ctx: CallContext, req: RuntimeReq<'RemovePodSandbox'>): Promise<RuntimeRes<'RemovePodSandbox'>> {
  await ctx.engine.pods.remove(req.pod_sandbox_id);
  return {};
}

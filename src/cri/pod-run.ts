// RunPodSandbox: creates and starts a pod sandbox (infra, namespaces, network).
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function runPodSandbox(ctx: CallContext, req: RuntimeReq<'RunPodSandbox'>): Promise<RuntimeRes<'RunPodSandbox'>> {
  return { pod_sandbox_id: await ctx.engine.pods.run(req) };
}

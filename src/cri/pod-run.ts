// RunPodSandbox: creates and starts a pod sandbox (infra, namespaces, network). A kubelet retry
// of a call whose client gave up gets the pod that call made (create-retries.ts).
import { podNameKey } from '../pod/pod-request.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { retriesOf } from './create-retries.js';

export async function runPodSandbox(ctx: CallContext, req: RuntimeReq<'RunPodSandbox'>): Promise<RuntimeRes<'RunPodSandbox'>> {
  const pods = ctx.engine.pods;
  const meta = req.config?.metadata;
  // Without metadata there is no name to retry: run() refuses it.
  if (!meta) return { pod_sandbox_id: await pods.run(req) };
  const id = await retriesOf(ctx.engine).run({
    key: `pod ${podNameKey(meta)}`,
    request: req,
    signal: ctx.signal,
    create: () => pods.run(req),
    exists: (podId) => pods.get(podId) !== undefined,
    discard: (podId) => pods.remove(podId),
  });
  return { pod_sandbox_id: id };
}

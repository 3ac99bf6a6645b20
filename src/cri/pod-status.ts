// PodSandboxStatus: state, IPs, namespaces, labels; `verbose` adds the runtime's own view.
import { nowNs } from '../util/time.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { podVerboseInfo, toPodSandboxStatus } from './pod-convert.js';

export async function podSandboxStatus(ctx: CallContext, req: RuntimeReq<'PodSandboxStatus'>): Promise<RuntimeRes<'PodSandboxStatus'>> {
  const rec = await ctx.engine.pods.status(req.pod_sandbox_id);
  return {
    status: toPodSandboxStatus(rec),
    info: req.verbose ? podVerboseInfo(rec) : {},
    timestamp: nowNs().toString(),
  };
}

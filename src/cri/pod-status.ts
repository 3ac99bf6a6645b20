// PodSandboxStatus: state, IPs, namespaces, labels; `verbose` adds the runtime's own view. The
// response also carries the statuses of the pod's containers and when they were taken: a kubelet
// with Evented PLEG reads the containers from here instead of listing them (an empty list there
// means the pod has none).
import { nowNs } from '../util/time.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { criContainerStatus } from './container-status.js';
import { podVerboseInfo, toPodSandboxStatus } from './pod-convert.js';

export async function podSandboxStatus(ctx: CallContext, req: RuntimeReq<'PodSandboxStatus'>): Promise<RuntimeRes<'PodSandboxStatus'>> {
  const rec = await ctx.engine.pods.status(req.pod_sandbox_id);
  const timestamp = nowNs().toString();
  return {
    status: toPodSandboxStatus(rec),
    info: req.verbose ? podVerboseInfo(rec) : {},
    containers_statuses: ctx.engine.containers.ofPod(rec.id).map(criContainerStatus),
    timestamp,
  };
}

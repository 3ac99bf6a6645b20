// ContainerStatus: state, times (ns), exit code and reason, image, mounts, log path, resources;
// verbose adds the pid and the OCI spec. The status message and its encoding are kept per
// container until its status changes (the kubelet asks for each container over and over).
import { InvalidArgumentError } from '../errors/catalog.js';
import { toCriStatus, verboseInfo } from '../container/to-cri.js';
import type { ContainerRecord } from '../container/types.js';
import type { ContainerStatus } from '../gen/runtime/v1/ContainerStatus.js';
import { criProto } from '../server/proto.js';
import { FrameCache, withWire } from '../util/wire-form.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

// The response without info is its status field alone: the frame of the one-item "list".
const statuses = new FrameCache<ContainerRecord, ContainerRecord['status'], ContainerStatus>(toCriStatus, (s) =>
  criProto().runtime.v1.RuntimeService.service.ContainerStatus.responseSerialize({ status: s, info: {} }),
);

/** A container's CRI status, converted again only when its status changed. */
export function criContainerStatus(r: ContainerRecord): ContainerStatus {
  return statuses.item(r, r.status);
}

export async function containerStatus(ctx: CallContext, req: RuntimeReq<'ContainerStatus'>): Promise<RuntimeRes<'ContainerStatus'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  const svc = ctx.engine.containers;
  const r = svc.get(req.container_id);
  const status = criContainerStatus(r);
  if (req.verbose) return { status, info: verboseInfo(r, await svc.readSpec(r)) };
  const version = r.status;
  return withWire({ status, info: {} }, () => statuses.frames([r], () => version));
}

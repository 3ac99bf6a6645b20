// ListContainers: filtered by ID prefix, state, pod and labels. Each container's CRI message and
// its encoding are kept until its status changes (a node lists its containers every second).
import { filterContainers } from '../container/filter.js';
import { toCriContainer } from '../container/to-cri.js';
import type { ContainerRecord } from '../container/types.js';
import type { Container } from '../gen/runtime/v1/Container.js';
import { criProto } from '../server/proto.js';
import { FrameCache, withWire } from '../util/wire-form.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { retriesOf } from './create-retries.js';

const version = (r: ContainerRecord) => r.status;

const listed = new FrameCache<ContainerRecord, ContainerRecord['status'], Container>(toCriContainer, (c) =>
  criProto().runtime.v1.RuntimeService.service.ListContainers.responseSerialize({ containers: [c] }),
);

export async function containerList(ctx: CallContext, req: RuntimeReq<'ListContainers'>): Promise<RuntimeRes<'ListContainers'>> {
  const retries = retriesOf(ctx.engine);
  // Containers kept for a kubelet retry stay unlisted until claimed.
  const records = filterContainers(ctx.engine.containers.store.list(), req.filter).filter((r) => !retries.holds(r.meta.id));
  return withWire({ containers: records.map((r) => listed.item(r, version(r))) }, () => listed.frames(records, version));
}

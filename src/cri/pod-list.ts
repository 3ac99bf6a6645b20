// ListPodSandbox: every pod matching the filter (id or unique id prefix, state, labels). Each
// pod's CRI message and its encoding are kept until its state changes (the rest is fixed at run).
import type { PodSandbox } from '../gen/runtime/v1/PodSandbox.js';
import type { PodRecord } from '../pod/types.js';
import { criProto } from '../server/proto.js';
import { FrameCache, withWire } from '../util/wire-form.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { retriesOf } from './create-retries.js';
import { toPodSandbox } from './pod-convert.js';

const version = (p: PodRecord) => p.state;

const listed = new FrameCache<PodRecord, PodRecord['state'], PodSandbox>(toPodSandbox, (p) =>
  criProto().runtime.v1.RuntimeService.service.ListPodSandbox.responseSerialize({ items: [p] }),
);

export async function listPodSandbox(ctx: CallContext, req: RuntimeReq<'ListPodSandbox'>): Promise<RuntimeRes<'ListPodSandbox'>> {
  const retries = retriesOf(ctx.engine);
  // Pods kept for a kubelet retry stay unlisted until claimed (or the kubelet would adopt them).
  const pods = (await ctx.engine.pods.list(req.filter)).filter((p) => !retries.holds(p.id));
  return withWire({ items: pods.map((p) => listed.item(p, version(p))) }, () => listed.frames(pods, version));
}

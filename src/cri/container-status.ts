// ContainerStatus: state, times (ns), exit code and reason, image, mounts, log path, resources;
// verbose adds the pid and the OCI spec.
import { InvalidArgumentError } from '../errors/catalog.js';
import { toCriStatus, verboseInfo } from '../container/to-cri.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerStatus(ctx: CallContext, req: RuntimeReq<'ContainerStatus'>): Promise<RuntimeRes<'ContainerStatus'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  const svc = ctx.engine.containers;
  const r = svc.get(req.container_id);
  return { status: toCriStatus(r), info: req.verbose ? verboseInfo(r, await svc.readSpec(r)) : {} };
}

// UpdateContainerResources: new cgroup limits for a created or running container.
import { InvalidArgumentError } from '../errors/catalog.js';
import { resourcesFromCri } from '../oci/spec/resources.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerUpdateResources(
  ctx: CallContext,
  req: RuntimeReq<'UpdateContainerResources'>,
): Promise<RuntimeRes<'UpdateContainerResources'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  if (!req.linux) throw new InvalidArgumentError('linux resources are required');
  await ctx.engine.containers.updateResources(req.container_id, resourcesFromCri(req.linux));
  return {};
}

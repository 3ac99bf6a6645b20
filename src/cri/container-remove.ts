// RemoveContainer: kills a running container first; an unknown ID is not an error.
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerRemove(ctx: CallContext, req: RuntimeReq<'RemoveContainer'>): Promise<RuntimeRes<'RemoveContainer'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  await ctx.engine.containers.remove(req.container_id);
  return {};
}

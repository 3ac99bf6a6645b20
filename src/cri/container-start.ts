// StartContainer: the created container's process starts (`runtime start`).
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerStart(ctx: CallContext, req: RuntimeReq<'StartContainer'>): Promise<RuntimeRes<'StartContainer'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  await ctx.engine.containers.start(req.container_id);
  return {};
}

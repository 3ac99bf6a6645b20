// ReopenContainerLog: conmon reopens the log path after the kubelet rotated the file.
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerReopenLog(ctx: CallContext, req: RuntimeReq<'ReopenContainerLog'>): Promise<RuntimeRes<'ReopenContainerLog'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  await ctx.engine.containers.reopenLog(req.container_id);
  return {};
}

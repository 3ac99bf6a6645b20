// ReopenContainerLog: conmon reopens the log path after the kubelet rotated the file.
import { InvalidArgumentError } from '../errors/catalog.js';
import { reopenContainerLog } from '../container/ops.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerReopenLog(ctx: CallContext, req: RuntimeReq<'ReopenContainerLog'>): Promise<RuntimeRes<'ReopenContainerLog'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  await reopenContainerLog(ctx.engine.containers, req.container_id);
  return {};
}

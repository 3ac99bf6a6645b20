// StopContainer: the stop signal, SIGKILL after the timeout (0: at once). Idempotent, also for an
// unknown container.
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerStop(ctx: CallContext, req: RuntimeReq<'StopContainer'>): Promise<RuntimeRes<'StopContainer'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  const timeout = Number(req.timeout);
  if (!Number.isFinite(timeout)) throw new InvalidArgumentError(`timeout "${req.timeout}" is not a number`);
  await ctx.engine.containers.stop(req.container_id, Math.max(0, timeout));
  return {};
}

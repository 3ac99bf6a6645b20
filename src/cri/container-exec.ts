// Exec: validates the request and returns a single-use URL on the streaming server.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerExec(ctx: CallContext, req: RuntimeReq<'Exec'>): Promise<RuntimeRes<'Exec'>> {
  return { url: await ctx.engine.streaming.exec(req) };
}

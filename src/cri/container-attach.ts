// Attach: validates the request and returns a single-use URL on the streaming server.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerAttach(ctx: CallContext, req: RuntimeReq<'Attach'>): Promise<RuntimeRes<'Attach'>> {
  return { url: await ctx.engine.streaming.attach(req) };
}

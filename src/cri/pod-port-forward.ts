// PortForward: validates the request and returns a single-use URL on the streaming server.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function podPortForward(ctx: CallContext, req: RuntimeReq<'PortForward'>): Promise<RuntimeRes<'PortForward'>> {
  return { url: await ctx.engine.streaming.portForward(req) };
}

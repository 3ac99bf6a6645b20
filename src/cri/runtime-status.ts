// Status: the RuntimeReady and NetworkReady conditions the kubelet gates the node on, and what the
// runtime and each handler can do on this host (the kubelet asks for a feature only when reported).
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export const RUNTIME_READY = 'RuntimeReady';
export const NETWORK_READY = 'NetworkReady';

export async function status(ctx: CallContext, req: RuntimeReq<'Status'>): Promise<RuntimeRes<'Status'>> {
  const [health, handlers] = await Promise.all([ctx.engine.health(), ctx.engine.runtimeHandlerInfo()]);
  const res: RuntimeRes<'Status'> = {
    status: {
      conditions: [
        { type: RUNTIME_READY, status: health.runtime.ok, reason: health.runtime.reason, message: health.runtime.message },
        { type: NETWORK_READY, status: health.network.ok, reason: health.network.reason, message: health.network.message },
      ],
    },
    runtime_handlers: handlers.map(({ name, features }) => ({ name, features })),
    // Handler-independent: the Strict policy is rktlet's own doing (src/container/user-resolve.ts).
    // Host-network pods with a user namespace need user namespaces first.
    features: { supplemental_groups_policy: true, user_namespaces_host_network: false },
  };
  // Verbose: the configuration, and why a handler lacks a feature (what its probe found).
  if (req.verbose) res.info = { config: JSON.stringify(ctx.engine.config), handlerFeatures: JSON.stringify(Object.fromEntries(handlers.filter((h) => h.name).map((h) => [h.name, h.why]))) };
  return res;
}

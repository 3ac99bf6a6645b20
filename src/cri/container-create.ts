// CreateContainer: an OCI bundle over the image's layers, created by the runtime under conmon. A
// kubelet retry of a call whose client gave up gets the container that call made
// (create-retries.ts), without waiting for the pod's lock.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { retriesOf } from './create-retries.js';

export async function containerCreate(ctx: CallContext, req: RuntimeReq<'CreateContainer'>): Promise<RuntimeRes<'CreateContainer'>> {
  const svc = ctx.engine.containers;
  const meta = req.config?.metadata;
  const id =
    req.pod_sandbox_id && meta?.name
      ? await retriesOf(ctx.engine).run({
          key: `container ${req.pod_sandbox_id}/${meta.name}/${meta.attempt}`,
          request: req,
          signal: ctx.signal,
          create: () => svc.create(req),
          exists: (cid) => svc.store.find(cid) !== undefined,
          discard: (cid) => svc.remove(cid),
        })
      : await svc.create(req); // refused there: nothing to retry
  const r = svc.store.get(id);
  // Announced when handed to a client: a container kept for a retry is not known to anyone yet.
  svc.publish('CONTAINER_CREATED_EVENT', r);
  ctx.log.info({ id, pod: r.meta.podId, name: r.meta.name }, 'container created');
  return { container_id: id };
}

// CreateContainer: an OCI bundle over the image's layers, created by the runtime under conmon.
import { createContainer } from '../container/create.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerCreate(ctx: CallContext, req: RuntimeReq<'CreateContainer'>): Promise<RuntimeRes<'CreateContainer'>> {
  const svc = ctx.engine.containers;
  const id = await createContainer(svc, req);
  const r = svc.store.get(id);
  svc.publish('CONTAINER_CREATED_EVENT', r);
  ctx.log.info({ id, pod: r.meta.podId, name: r.meta.name }, 'container created');
  return { container_id: id };
}

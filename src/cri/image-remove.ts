// RemoveImage: by ID, tag or digest, with every tag and digest of that image; idempotent. An image
// containers still use loses its names at once (as with containerd, the kubelet's call succeeds)
// and stays listed without them until the last such container is removed (image/removal.ts).
import { InvalidArgumentError } from '../errors/catalog.js';
import { fsUsageFor } from '../stats/engine-stats.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';

export async function removeImage(ctx: CallContext, req: ImageReq<'RemoveImage'>): Promise<ImageRes<'RemoveImage'>> {
  const ref = req.image?.image ?? '';
  if (!ref) throw new InvalidArgumentError('image.image is required');
  const out = await ctx.engine.images.remove(ref, 'hold');
  fsUsageFor(ctx.engine).invalidateImageFs();
  // The call's logger names the image already (its request fields).
  if (out.kind === 'removed') ctx.log.info({ id: out.image.id }, 'image removed');
  if (out.kind === 'held') ctx.log.info({ id: out.image.id, containers: out.users }, 'image untagged; kept until its containers are removed');
  return {};
}

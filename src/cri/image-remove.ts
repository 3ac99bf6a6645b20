// RemoveImage: by ID, tag or digest, with every tag and digest of that image; idempotent.
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';

export async function removeImage(ctx: CallContext, req: ImageReq<'RemoveImage'>): Promise<ImageRes<'RemoveImage'>> {
  const ref = req.image?.image ?? '';
  if (!ref) throw new InvalidArgumentError('image.image is required');
  const removed = await ctx.engine.images.remove(ref);
  if (removed) ctx.log.info({ image: ref }, 'image removed');
  return {};
}

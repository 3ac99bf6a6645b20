// PullImage: fetch from the registry (through configured mirrors), verify, unpack, record.
import { InvalidArgumentError } from '../errors/catalog.js';
import { credentialsFromAuthConfig } from '../image/auth.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';

export async function pullImage(ctx: CallContext, req: ImageReq<'PullImage'>): Promise<ImageRes<'PullImage'>> {
  const ref = req.image?.image ?? '';
  if (!ref) throw new InvalidArgumentError('image.image is required');
  const credentials = credentialsFromAuthConfig(req.auth);
  const img = await ctx.engine.images.pull(ref, { ...(credentials ? { credentials } : {}), signal: ctx.signal });
  ctx.log.info({ image: ref, id: img.id }, 'image pulled');
  // kubelet records this as the container's ImageRef: the image ID, as containerd answers.
  return { image_ref: img.id };
}

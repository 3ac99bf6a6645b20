// PullImage: fetch from the registry (through configured mirrors), verify, unpack, record.
import { InvalidArgumentError } from '../errors/catalog.js';
import { credentialsFromAuthConfig } from '../image/auth.js';
import { metrics } from '../metrics/registry.js';
import { fsUsageFor } from '../stats/engine-stats.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';

export async function pullImage(ctx: CallContext, req: ImageReq<'PullImage'>): Promise<ImageRes<'PullImage'>> {
  const ref = req.image?.image ?? '';
  if (!ref) throw new InvalidArgumentError('image.image is required');
  const credentials = credentialsFromAuthConfig(req.auth);
  const progress = { bytes: 0 };
  const t0 = performance.now();
  let img;
  try {
    img = await ctx.engine.images.pull(ref, { ...(credentials ? { credentials } : {}), signal: ctx.signal, progress });
  } catch (err) {
    metrics.imagePull(progress.bytes, (performance.now() - t0) / 1000, false);
    throw err;
  }
  const seconds = (performance.now() - t0) / 1000;
  fsUsageFor(ctx.engine).invalidateImageFs();
  metrics.imagePull(progress.bytes, seconds, true);
  ctx.log.info({ image: ref, id: img.id, bytes: progress.bytes, ms: Math.round(seconds * 1000) }, 'image pulled');
  // kubelet records this as the container's ImageRef: the image ID, as containerd answers.
  return { image_ref: img.id };
}

// ImageStatus: the image a reference names (no image, no error, when unknown), with the image
// config as verbose info.
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';
import { toCriImage } from './image-convert.js';

export async function imageStatus(ctx: CallContext, req: ImageReq<'ImageStatus'>): Promise<ImageRes<'ImageStatus'>> {
  const ref = req.image?.image ?? '';
  if (!ref) throw new InvalidArgumentError('image.image is required');
  const img = ctx.engine.images.resolve(ref);
  if (!img) return { image: null, info: {} };
  const info: Record<string, string> = {};
  if (req.verbose) {
    let imageSpec: unknown = { config: img.config };
    try {
      imageSpec = JSON.parse((await ctx.engine.images.content.read(img.id)).toString('utf8'));
    } catch {
      // the config blob is always kept with the image; fall back to the recorded config
    }
    info.info = JSON.stringify({ id: img.id, manifestDigest: img.manifestDigest, chainIds: img.chainIds, layers: img.layers, imageSpec });
  }
  return { image: toCriImage(img), info };
}

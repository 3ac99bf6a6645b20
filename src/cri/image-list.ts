// ListImages: every image, or the one the filter's reference names.
import type { StoredImage } from '../image/image-store.js';
import type { Engine } from '../engine.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';
import { toCriImage } from './image-convert.js';

export function filterImages(engine: Engine, ref: string | undefined): StoredImage[] {
  if (ref) {
    const hit = engine.images.resolve(ref);
    return hit ? [hit] : [];
  }
  return engine.images.list();
}

export async function listImages(ctx: CallContext, req: ImageReq<'ListImages'>): Promise<ImageRes<'ListImages'>> {
  return { images: filterImages(ctx.engine, req.filter?.image?.image).map(toCriImage) };
}

// StreamImages: ListImages in pages, for nodes with many images.
import { sendPages } from './stream-pages.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';
import { toCriImage } from './image-convert.js';
import { filterImages } from './image-list.js';

const PAGE = 100;

export async function streamImages(
  ctx: CallContext,
  req: ImageReq<'StreamImages'>,
  send: (res: ImageRes<'StreamImages'>) => Promise<void>,
): Promise<void> {
  const all = filterImages(ctx.engine, req.filter?.image?.image).map(toCriImage);
  await sendPages(all, PAGE, ctx.signal, (images) => ({ images }), send);
}

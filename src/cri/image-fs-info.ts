// ImageFsInfo: bytes and inodes of the image filesystem (blobs + unpacked layers) and, apart,
// of the containers' writable layers.
import { join } from 'node:path';
import { nowNs } from '../util/time.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';

export async function imageFsInfo(ctx: CallContext, _req: ImageReq<'ImageFsInfo'>): Promise<ImageRes<'ImageFsInfo'>> {
  const e = ctx.engine;
  const timestamp = nowNs().toString();
  const img = await e.images.imageFsUsage();
  let bytes = 0;
  let inodes = 0;
  for (const key of await e.snapshots.activeKeys()) {
    const u = await e.snapshots.usage(key).catch(() => ({ bytes: 0, inodes: 0 }));
    bytes += u.bytes;
    inodes += u.inodes;
  }
  const snapshotsRoot = join(e.config.root, 'snapshots');
  return {
    image_filesystems: [
      { timestamp, fs_id: { mountpoint: snapshotsRoot }, used_bytes: { value: String(img.bytes) }, inodes_used: { value: String(img.inodes) } },
    ],
    container_filesystems: [
      { timestamp, fs_id: { mountpoint: e.snapshots.activeDir }, used_bytes: { value: String(bytes) }, inodes_used: { value: String(inodes) } },
    ],
  };
}

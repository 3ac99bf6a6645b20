// ImageFsInfo: bytes and inodes of the image filesystem (blobs + unpacked layers) and, apart,
// of the containers' writable layers.
import { join } from 'node:path';
import { nowNs } from '../util/time.js';
import { fsUsageFor } from '../stats/engine-stats.js';
import type { CallContext, ImageReq, ImageRes } from './handler.js';

export async function imageFsInfo(ctx: CallContext, _req: ImageReq<'ImageFsInfo'>): Promise<ImageRes<'ImageFsInfo'>> {
  const e = ctx.engine;
  const timestamp = nowNs().toString();
  // From the usage cache (stats/fs-usage-cache.ts): current after a pull or removal, else at most
  // stats.fs_usage_period_seconds old, never a walk of every writable layer per call.
  const cache = fsUsageFor(e);
  const [img, { bytes, inodes }] = await Promise.all([cache.imageFs(), cache.containersFs()]);
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

// ImageService RPCs (PullImage, ListImages, …): one file per RPC.
import type { ImageHandlers } from './handler.js';
import { pullImage } from './image-pull.js';
import { listImages } from './image-list.js';
import { streamImages } from './image-stream.js';
import { imageStatus } from './image-status.js';
import { removeImage } from './image-remove.js';
import { imageFsInfo } from './image-fs-info.js';

export const imageHandlers: ImageHandlers = {
  PullImage: pullImage,
  ListImages: listImages,
  StreamImages: streamImages,
  ImageStatus: imageStatus,
  RemoveImage: removeImage,
  ImageFsInfo: imageFsInfo,
};

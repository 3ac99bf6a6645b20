// ImageService RPCs (PullImage, ListImages, …): one file per RPC.
import type { ImageHandlers } from './handler.js';

export const imageHandlers: ImageHandlers = {};

// Bounds on what unpacking may cost, from the [image] config: bytes per layer and per image (the
// uncompressed tar stream, counted as it flows, so a compression bomb stops at the bound instead
// of at a full disk), entries per layer (inodes), and the zstd window. Each refusal is
// RESOURCE_EXHAUSTED naming the config key, so the operator knows what to raise.
import type { Config } from '../config/schema.js';
import { ResourceExhaustedError } from '../errors/catalog.js';

/** A running total against one limit. */
export class UnpackBudget {
  private used = 0;

  constructor(
    readonly max: number,
    /** The config key, e.g. image.max_layer_unpacked_bytes. */
    readonly key: string,
    /** What is counted, for the message: "layer sha256:…", "image …". */
    readonly what: string,
  ) {}

  charge(bytes: number): void {
    this.used += bytes;
    if (this.used > this.max) {
      throw new ResourceExhaustedError(`${this.what} unpacks to more than ${this.max} bytes, the limit ${this.key} sets; refused`);
    }
  }
}

export interface LayerLimits {
  maxLayerBytes: number;
  maxEntries: number;
  zstdMaxWindowBytes: number;
  /** Shared by the layers of one image; none for a single layer on its own. */
  image?: UnpackBudget;
}

export const KEYS = {
  layerBytes: 'image.max_layer_unpacked_bytes',
  imageBytes: 'image.max_image_unpacked_bytes',
  entries: 'image.max_layer_entries',
  manifest: 'image.max_manifest_bytes',
  config: 'image.max_config_bytes',
  zstdWindow: 'image.zstd_max_window_bytes',
} as const;

/** The limits of every layer of one image (`name` for messages), sharing one image total. */
export function imageLimits(cfg: Config['image'], name: string): LayerLimits {
  return {
    maxLayerBytes: cfg.max_layer_unpacked_bytes,
    maxEntries: cfg.max_layer_entries,
    zstdMaxWindowBytes: cfg.zstd_max_window_bytes,
    image: new UnpackBudget(cfg.max_image_unpacked_bytes, KEYS.imageBytes, `image ${name}`),
  };
}

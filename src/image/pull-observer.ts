// What a pull tells whoever watches it (the CLI's progress display): the layers once the manifest
// is read, bytes as a layer downloads, and how each layer became ready. The daemon passes none.

export interface PullLayer {
  digest: string;
  /** Compressed size, from the manifest. */
  size: number;
}

export interface PullObserver {
  /**
   * The reference resolved to `digest` (the manifest's, or the index's when it names one), whose
   * layers are these, lowest first; told before any layer is fetched.
   */
  resolved(digest: string, layers: PullLayer[]): void;
  /** Bytes of a layer's blob received so far. */
  layerBytes(digest: string, bytes: number): void;
  /** A layer is ready: downloaded now, or already there (unpacked, or its blob stored). */
  layerDone(digest: string, downloaded: boolean): void;
}

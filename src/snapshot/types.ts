// Contract for root filesystems: unpacked layers (by chain ID) stacked with overlayfs under a
// writable upper dir per container.

export interface RootfsMount {
  /** Where the merged root filesystem is mounted (the OCI bundle's rootfs). */
  target: string;
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  /** Mount points of the image volumes (volumes/<n>), in the order prepare() was given them. */
  volumes?: string[];
}

export interface Snapshotter {
  /**
   * Creates upper/work dirs for `key` (a container ID) over the image's layers, recording the image
   * ID (what keeps a removed image's layers until the snapshot goes); does not mount.
   */
  prepare(key: string, chainIds: string[], image?: string, volumes?: { image: string; chainIds: string[] }[], idmap?: { userns: string; rootUid: number; rootGid: number }): Promise<RootfsMount>;
  /** Mounts the overlay at target and the image volumes (idempotent: an existing mount is kept). */
  mount(key: string): Promise<RootfsMount>;
  /** Unmounts (idempotent). */
  unmount(key: string): Promise<void>;
  /** Unmounts and deletes the writable layer (idempotent). */
  remove(key: string): Promise<void>;
  /** Bytes and inodes used by the writable layer. */
  usage(key: string): Promise<{ bytes: number; inodes: number }>;
  /** Keys of every prepared writable layer. */
  activeKeys(): Promise<string[]>;
}

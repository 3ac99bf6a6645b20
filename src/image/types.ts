// Contract between the image service and its users (containers, pods, CLI). The image helper
// owns the implementation; other parts depend only on these types.

/** The parts of an OCI image config that a runtime uses (field names as in the image spec). */
export interface OciImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageRecord {
  /** The config digest, "sha256:…": the image ID. */
  id: string;
  /** "docker.io/library/busybox:latest", … (may be empty). */
  repoTags: string[];
  /** "docker.io/library/busybox@sha256:…" (manifest digests). */
  repoDigests: string[];
  /** Bytes of the compressed layers plus config and manifest, as kubelet's image GC counts them. */
  size: number;
  config: OciImageConfig;
  /** Layer chain IDs, lowest first: each names one unpacked layer in the snapshot store. */
  chainIds: string[];
  /** Image annotations / labels kept for ImageStatus verbose info. */
  pinned?: boolean;
  createdAt: string;
}

/** What containers need from the image store. */
export interface ImageLookup {
  /** By ID, ID prefix, any tag, any digest reference, or a short name; undefined when unknown. */
  resolve(ref: string): ImageRecord | undefined;
}

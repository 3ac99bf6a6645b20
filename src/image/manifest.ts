// Image manifests, indexes and configs (OCI and Docker schema 2): parsing, validation and picking
// the host's platform from a manifest list.
import { InvalidArgumentError, NotFoundError, FailedPreconditionError } from '../errors/catalog.js';
import { isDigest } from './reference.js';
import type { OciImageConfig } from './types.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** What we ask registries for, in order of preference. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  created?: string;
  config?: OciImageConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: unknown[];
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object' || typeof d.digest !== 'string' || !isDigest(d.digest) || typeof d.size !== 'number' || d.size < 0) {
    throw new InvalidArgumentError(`${what}: invalid descriptor (sha256 digest and size required)`);
  }
  return { ...d, mediaType: typeof d.mediaType === 'string' ? d.mediaType : '' } as Descriptor;
}

/** Parses manifest bytes; `headerType` is the Content-Type the registry sent. */
export function parseManifest(bytes: Buffer, headerType = ''): ImageManifest | ImageIndex {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidArgumentError('manifest is not valid JSON', { cause: err });
  }
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : headerType.split(';')[0]!.trim();
  if (doc.schemaVersion !== 2) {
    throw new FailedPreconditionError(`unsupported manifest schema version ${String(doc.schemaVersion)} (Docker schema 1 is not supported)`);
  }
  if (Array.isArray(doc.manifests) || mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList) {
    if (!Array.isArray(doc.manifests)) throw new InvalidArgumentError('manifest list without manifests');
    return { kind: 'index', mediaType: mediaType || MEDIA.ociIndex, manifests: doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (!Array.isArray(doc.layers)) throw new InvalidArgumentError('image manifest without layers');
  return {
    kind: 'manifest',
    mediaType: mediaType || MEDIA.ociManifest,
    config: descriptor(doc.config, 'config'),
    layers: doc.layers.map((l, i) => descriptor(l, `layers[${i}]`)),
  };
}

export function parseConfig(bytes: Buffer): ImageConfigFile {
  let doc: ImageConfigFile;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as ImageConfigFile;
  } catch (err) {
    throw new InvalidArgumentError('image config is not valid JSON', { cause: err });
  }
  if (!doc || !doc.rootfs || !Array.isArray(doc.rootfs.diff_ids) || !doc.rootfs.diff_ids.every((d) => typeof d === 'string' && isDigest(d))) {
    throw new InvalidArgumentError('image config has no valid rootfs.diff_ids');
  }
  return doc;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** "linux/amd64", "linux/arm64/v8"; empty: the host's. */
export function parsePlatform(s: string): Platform {
  if (!s) {
    const p: Platform = { os: 'linux', architecture: ARCH[process.arch] ?? process.arch };
    if (p.architecture === 'arm64') p.variant = 'v8';
    return p;
  }
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new InvalidArgumentError(`platform "${s}" must look like linux/amd64`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The manifest of the index for `want`; arm64 without a variant means v8, as containerd does. */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor {
  const norm = (p: Platform) => ({ ...p, variant: p.variant || (p.architecture === 'arm64' ? 'v8' : '') });
  const w = norm(want);
  const candidates = index.manifests.filter((m) => m.platform && m.platform.os === w.os && m.platform.architecture === w.architecture);
  const exact = candidates.find((m) => norm(m.platform!).variant === w.variant);
  const pick = exact ?? candidates.find((m) => !m.platform!.variant) ?? candidates[0];
  if (!pick) {
    const offered = index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
    throw new NotFoundError(`no image for platform ${formatPlatform(want)} in the manifest list (offers: ${offered || 'none'})`);
  }
  return pick;
}

export type LayerCompression = 'gzip' | 'none' | 'zstd';

export function layerCompression(mediaType: string): LayerCompression {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') || mediaType === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip') return 'gzip';
  return 'none';
}

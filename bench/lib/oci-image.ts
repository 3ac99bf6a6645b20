// Building small OCI images in memory (layers as gzipped tars) and pushing them to a registry
// over the distribution API: busybox for containers, a catatonit pause image for containerd's
// sandbox, and a big multi-layer image for the pull scenario. No internet, no docker.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { pack } from 'tar-stream';

const gzipAsync = promisify(gzip);

export type LayerEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'link'; path: string; target: string };

export interface Layer {
  gz: Buffer;
  /** sha256 of the compressed blob. */
  digest: string;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids). */
  diffId: string;
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function tarOf(entries: readonly LayerEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  const mtime = new Date(0);
  for (const e of entries) {
    if (e.type === 'dir') p.entry({ name: e.path, type: 'directory', mode: e.mode ?? 0o755, mtime });
    else if (e.type === 'file') p.entry({ name: e.path, type: 'file', mode: e.mode ?? 0o644, mtime }, e.data);
    else p.entry({ name: e.path, type: 'link', linkname: e.target, mode: 0o755, mtime });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function buildLayer(entries: readonly LayerEntry[], level = 6): Promise<Layer> {
  const tar = await tarOf(entries);
  const gz = await gzipAsync(tar, { level });
  return { gz, digest: sha256(gz), diffId: sha256(tar) };
}

export interface ImageSpec {
  layers: Layer[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
}

export interface BuiltImage {
  manifest: Buffer;
  config: Buffer;
  layers: Layer[];
  /** Compressed layer bytes. */
  size: number;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function ociArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const config = Buffer.from(
    JSON.stringify({
      created: '1970-01-01T00:00:00Z',
      architecture: ociArch(),
      os: 'linux',
      config: {
        Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
        ...(spec.cmd ? { Cmd: spec.cmd } : {}),
        WorkingDir: '/',
      },
      rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: spec.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.gz.length })),
    }),
  );
  return { manifest, config, layers: spec.layers, size: spec.layers.reduce((n, l) => n + l.gz.length, 0) };
}

/** Applets the bench's containers use; hard links to the one static binary. */
const BUSYBOX_APPLETS = ['sh', 'sleep', 'true', 'false', 'echo', 'cat', 'ls', 'env', 'id', 'hostname', 'wc', 'head', 'mkdir', 'rm'];

export async function busyboxImage(busybox = '/bin/busybox'): Promise<BuiltImage> {
  const entries: LayerEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'etc' },
    { type: 'file', path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n') },
    { type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { type: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 },
    ...BUSYBOX_APPLETS.map((a): LayerEntry => ({ type: 'link', path: `bin/${a}`, target: 'bin/busybox' })),
  ];
  return buildImage({ layers: [await buildLayer(entries)], cmd: ['sh'] });
}

/** A pause image: static catatonit in pause mode (no internet for k8s.gcr.io/pause). */
export async function pauseImage(catatonit = '/usr/bin/catatonit'): Promise<BuiltImage> {
  statSync(catatonit);
  const layer = await buildLayer([{ type: 'file', path: 'pause', data: readFileSync(catatonit), mode: 0o755 }]);
  return buildImage({ layers: [layer], entrypoint: ['/pause', '-P'] });
}

/** `count` layers of incompressible data totalling about `totalBytes` (random, so gzip keeps the size). */
export async function bigImage(totalBytes: number, count: number): Promise<BuiltImage> {
  const per = Math.floor(totalBytes / count);
  const layers: Layer[] = [];
  for (let i = 0; i < count; i++) {
    layers.push(await buildLayer([{ type: 'dir', path: 'data' }, { type: 'file', path: `data/blob-${i}`, data: randomBytes(per) }], 1));
  }
  return buildImage({ layers, cmd: ['/bin/sh'] });
}

async function check(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

async function pushBlob(base: string, repo: string, blob: Buffer, digest: string): Promise<void> {
  const head = await fetch(`${base}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  if (head.ok) return;
  const start = await check(await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' }), `start upload to ${repo}`);
  const loc = new URL(start.headers.get('location') ?? '', base);
  loc.searchParams.set('digest', digest);
  await check(
    await fetch(loc, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) } }),
    `upload ${digest} to ${repo}`,
  );
}

/** Pushes to http://<host>/v2/<repo> and tags it; returns the manifest digest. */
export async function pushImage(host: string, repo: string, tag: string, img: BuiltImage): Promise<string> {
  const base = `http://${host}`;
  for (const l of img.layers) await pushBlob(base, repo, l.gz, l.digest);
  await pushBlob(base, repo, img.config, sha256(img.config));
  await check(
    await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: img.manifest, headers: { 'content-type': OCI_MANIFEST } }),
    `push manifest ${repo}:${tag}`,
  );
  return sha256(img.manifest);
}

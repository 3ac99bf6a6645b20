// Offline import (`rktlet image import FILE`): `docker save` archives and OCI layout tarballs go
// into the same stores as pulls, digests checked, layers unpacked once by chain ID.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors/catalog.js';
import { nowNs } from '../util/time.js';
import { extractArchive, memberPath, readMemberJson, type ExtractedArchive } from './archive-read.js';
import { chainIds as computeChainIds } from './chain-id.js';
import type { IngestDeps } from './image-deps.js';
import type { LayerInfo, StoredImage } from './image-store.js';
import { applyLayer } from './layer-apply.js';
import { MEDIA, parseConfig, parseManifest, parsePlatform, selectPlatform, type ImageManifest } from './manifest.js';
import { digestRef, parseReference, tagRef } from './reference.js';
import { imageLimits } from './unpack-limits.js';

export interface ImportedImage {
  id: string;
  repoTags: string[];
}

async function fileDigest(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(path)) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { digest: 'sha256:' + h.digest('hex'), size };
}

/** What an import wrote, removed again when it fails (unless something else uses it). */
interface Touched {
  blobs: string[];
  layers: string[];
}

/** Copies a member into the content store; with `expect`, its digest must match. */
async function storeMember(svc: IngestDeps, touched: Touched, path: string, expect?: string): Promise<{ digest: string; size: number }> {
  const { digest, size } = await fileDigest(path);
  if (expect && digest !== expect) throw new InvalidArgumentError(`archive blob ${expect} does not match its digest (got ${digest})`);
  if (!(await svc.content.has(digest))) {
    touched.blobs.push(digest);
    const w = await svc.content.writer(digest);
    try {
      for await (const c of createReadStream(path)) await w.write(c as Buffer);
      await w.commit(size);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }
  return { digest, size };
}

async function unpackStoredLayers(svc: IngestDeps, touched: Touched, layers: LayerInfo[], chain: string[], name: string): Promise<void> {
  const limits = imageLimits(svc.config.image, name);
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    const c = chain[i]!;
    if (await svc.snapshots.hasLayer(c)) continue;
    touched.layers.push(c);
    await svc.snapshots.commitLayer(c, (dir) => applyLayer({ source: svc.content.createReadStream(l.digest), mediaType: l.mediaType, diffId: l.diffId, dir, limits }));
  }
}

async function record(
  svc: IngestDeps,
  touched: Touched,
  manifestDigest: string,
  manifest: ImageManifest,
  extraBlobs: string[],
  names: string[],
  /** The digest a repo digest is recorded with (none for docker save: it has no registry digest). */
  repoDigestOf: string | undefined,
): Promise<ImportedImage> {
  const configBytes = await svc.content.read(manifest.config.digest);
  const config = parseConfig(configBytes);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) throw new InvalidArgumentError('image config and manifest disagree on the layer count');
  const layers: LayerInfo[] = manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: config.rootfs.diff_ids[i]! }));
  const chain = computeChainIds(config.rootfs.diff_ids);
  const release = svc.lease([...extraBlobs, manifestDigest, manifest.config.digest, ...layers.map((l) => l.digest), ...chain]);
  try {
    await unpackStoredLayers(svc, touched, layers, chain, names[0] ?? manifestDigest);
    const rec: StoredImage = {
      id: manifest.config.digest,
      repoTags: [],
      repoDigests: [],
      size: layers.reduce((n, l) => n + l.size, 0) + configBytes.length,
      config: config.config ?? {},
      chainIds: chain,
      createdAt: nowNs().toString(),
      manifestDigest,
      layers,
      blobs: [...extraBlobs, manifestDigest, manifest.config.digest, ...layers.map((l) => l.digest)],
    };
    const refs = names.map((n) => parseReference(n));
    return await svc.withLock(async () => {
      let out = await svc.store.put(rec, undefined, undefined);
      for (const r of refs) out = await svc.store.put(rec, tagRef(r), repoDigestOf ? digestRef(r, repoDigestOf) : undefined);
      return { id: out.id, repoTags: out.repoTags };
    });
  } finally {
    release();
  }
}

async function importOci(svc: IngestDeps, touched: Touched, a: ExtractedArchive): Promise<ImportedImage[]> {
  const blobPath = (d: string) => memberPath(a, `blobs/sha256/${d.slice(7)}`);
  const index = parseManifest(Buffer.from(JSON.stringify(await readMemberJson(a, 'index.json'))));
  if (index.kind !== 'index') throw new InvalidArgumentError('index.json is not an image index');
  const out: ImportedImage[] = [];
  for (const desc of index.manifests) {
    const ann = desc.annotations ?? {};
    const refName = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
    let name: string | undefined;
    if (refName) {
      try {
        parseReference(refName);
        name = refName.includes('/') || refName.includes(':') ? refName : undefined;
      } catch {
        name = undefined; // a bare tag such as "latest" names no repository
      }
    }
    await storeMember(svc, touched, blobPath(desc.digest), desc.digest);
    let top = parseManifest(await svc.content.read(desc.digest), desc.mediaType);
    let manifestDigest = desc.digest;
    const extra: string[] = [];
    if (top.kind === 'index') {
      const pick = selectPlatform(top, parsePlatform(svc.config.image.platform));
      extra.push(desc.digest);
      await storeMember(svc, touched, blobPath(pick.digest), pick.digest);
      manifestDigest = pick.digest;
      top = parseManifest(await svc.content.read(pick.digest), pick.mediaType);
      if (top.kind !== 'manifest') throw new InvalidArgumentError('nested image indexes are not supported');
    }
    await storeMember(svc, touched, blobPath(top.config.digest), top.config.digest);
    for (const l of top.layers) await storeMember(svc, touched, blobPath(l.digest), l.digest);
    out.push(await record(svc, touched, manifestDigest, top, extra, name ? [name] : [], desc.digest));
  }
  return out;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

async function importDockerSave(svc: IngestDeps, touched: Touched, a: ExtractedArchive): Promise<ImportedImage[]> {
  const entries = await readMemberJson<DockerSaveEntry[]>(a, 'manifest.json');
  if (!Array.isArray(entries)) throw new InvalidArgumentError('manifest.json is not a docker save manifest');
  const out: ImportedImage[] = [];
  for (const e of entries) {
    const cfg = await storeMember(svc, touched, memberPath(a, e.Config));
    const layers = [];
    for (const l of e.Layers) {
      const p = memberPath(a, l);
      const st = await storeMember(svc, touched, p);
      const head = await svc.content.read(st.digest).then((b) => b.subarray(0, 2));
      const gz = head[0] === 0x1f && head[1] === 0x8b;
      layers.push({ mediaType: gz ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.docker.image.rootfs.diff.tar', digest: st.digest, size: st.size });
    }
    const manifestObj = {
      schemaVersion: 2,
      mediaType: MEDIA.dockerManifest,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: cfg.digest, size: cfg.size },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifestObj));
    const mDigest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    await svc.content.put(mDigest, bytes);
    const manifest = parseManifest(bytes) as ImageManifest;
    out.push(await record(svc, touched, mDigest, manifest, [], e.RepoTags ?? [], undefined));
  }
  return out;
}

/** Imports every image of the archive; returns their IDs and tags. */
export async function importArchive(svc: IngestDeps, file: string): Promise<ImportedImage[]> {
  const dir = await mkdtemp(join(await svc.content.ingest.dir(), 'import-'));
  const touched: Touched = { blobs: [], layers: [] };
  try {
    const a = await extractArchive(file, dir);
    if (a.files.has('index.json') && a.files.has('oci-layout')) {
      // docker save ≥ 25 writes both layouts; the OCI one carries digests.
      return await importOci(svc, touched, a);
    }
    if (a.files.has('manifest.json')) return await importDockerSave(svc, touched, a);
    throw new InvalidArgumentError(`${file} is neither a docker save archive nor an OCI layout tarball`);
  } catch (err) {
    await svc.withLock(async () => {
      svc.store.reload();
      await svc.collectGarbage(touched.blobs, touched.layers);
    });
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

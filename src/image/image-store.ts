// Image metadata on disk (<root>/images/records/<id hex>.json) with an in-memory index by ID,
// tag and digest reference. Writers hold the store lock; every write bumps a stamp file so other
// processes (daemon, CLI) notice and reload.
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomHex } from '../util/random-hex.js';
import { isErrno } from '../errors/catalog.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic-file.js';
import { parseReference, repoName, tagRef } from './reference.js';
import type { ImageRecord } from './types.js';

export interface LayerInfo {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
}

/** What is kept per image beyond the contract's ImageRecord. */
export interface StoredImage extends ImageRecord {
  /** The platform manifest's digest. */
  manifestDigest: string;
  layers: LayerInfo[];
  /** Every content-store blob the image needs kept (indexes, manifests, config, layers). */
  blobs: string[];
  /**
   * RemoveImage came while containers used the image: its tags and digests are gone, the record
   * stays (listed without names) until the last of those containers is removed. A pull that names
   * it again clears this.
   */
  held?: boolean;
}

export class ImageStore {
  readonly recordsDir: string;
  readonly stampFile: string;
  private byId = new Map<string, StoredImage>();
  private byTag = new Map<string, string>();
  private byDigest = new Map<string, string>();
  private stamp = '';

  constructor(readonly root: string) {
    this.recordsDir = join(root, 'records');
    this.stampFile = join(root, 'stamp');
  }

  async open(): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true, mode: 0o700 });
    this.reload();
  }

  private readStamp(): string {
    try {
      const st = statSync(this.stampFile);
      return `${st.mtimeMs}:${st.ino}:${st.size}`;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return '';
      throw err;
    }
  }

  /** Rebuilds the index from disk. */
  reload(): void {
    mkdirSync(this.recordsDir, { recursive: true, mode: 0o700 });
    this.stamp = this.readStamp();
    const byId = new Map<string, StoredImage>();
    for (const name of readdirSync(this.recordsDir)) {
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      try {
        const rec = JSON.parse(readFileSync(join(this.recordsDir, name), 'utf8')) as StoredImage;
        byId.set(rec.id, rec);
      } catch {
        // a torn record cannot exist (atomic writes); an unreadable one is skipped
      }
    }
    this.index(byId);
  }

  private index(byId: Map<string, StoredImage>): void {
    this.byId = byId;
    this.byTag = new Map();
    this.byDigest = new Map();
    for (const rec of byId.values()) {
      for (const t of rec.repoTags) this.byTag.set(t, rec.id);
      for (const d of rec.repoDigests) this.byDigest.set(d, rec.id);
    }
  }

  /** Reloads when another process wrote since our last look (a stat per call). */
  refresh(): void {
    if (this.readStamp() !== this.stamp) this.reload();
  }

  list(): StoredImage[] {
    this.refresh();
    return [...this.byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  get(id: string): StoredImage | undefined {
    return this.byId.get(id);
  }

  /** By ID, unique ID prefix, tag, digest reference or short name. */
  resolve(ref: string): StoredImage | undefined {
    this.refresh();
    const s = ref.trim();
    if (!s) return undefined;
    const hex = s.startsWith('sha256:') ? s.slice(7) : s;
    if (/^[a-f0-9]{64}$/.test(hex)) {
      const hit = this.byId.get('sha256:' + hex);
      if (hit) return hit;
    } else if (/^[a-f0-9]{6,63}$/.test(hex)) {
      const matches = [...this.byId.keys()].filter((id) => id.startsWith('sha256:' + hex));
      if (matches.length === 1) return this.byId.get(matches[0]!);
    }
    let r;
    try {
      r = parseReference(s);
    } catch {
      return undefined;
    }
    if (r.digest) {
      const id = this.byDigest.get(`${repoName(r)}@${r.digest}`);
      return id ? this.byId.get(id) : undefined;
    }
    const t = tagRef(r);
    const id = t ? this.byTag.get(t) : undefined;
    return id ? this.byId.get(id) : undefined;
  }

  private async write(rec: StoredImage): Promise<void> {
    await writeJsonAtomic(join(this.recordsDir, `${rec.id.slice(7)}.json`), rec);
  }

  private async bump(): Promise<void> {
    await writeFileAtomic(this.stampFile, randomHex(8) + '\n', 0o644);
    this.stamp = this.readStamp();
  }

  /**
   * Adds or updates an image (caller holds the store lock). A tag is moved: any other image
   * carrying it loses it but keeps its digests.
   */
  async put(rec: StoredImage, tag: string | undefined, repoDigest: string | undefined): Promise<StoredImage> {
    this.reload();
    const existing = this.byId.get(rec.id);
    const merged: StoredImage = existing
      ? {
          ...rec,
          createdAt: existing.createdAt,
          pinned: existing.pinned || rec.pinned,
          repoTags: [...existing.repoTags],
          repoDigests: [...existing.repoDigests],
          blobs: [...new Set([...existing.blobs, ...rec.blobs])],
        }
      : { ...rec, repoTags: [...rec.repoTags], repoDigests: [...rec.repoDigests] };
    if (tag) {
      const holder = this.byTag.get(tag);
      if (holder && holder !== rec.id) {
        const other = this.byId.get(holder)!;
        await this.write({ ...other, repoTags: other.repoTags.filter((t) => t !== tag) });
      }
      if (!merged.repoTags.includes(tag)) merged.repoTags.push(tag);
    }
    if (repoDigest && !merged.repoDigests.includes(repoDigest)) merged.repoDigests.push(repoDigest);
    await this.write(merged);
    await this.bump();
    this.reload();
    return this.byId.get(rec.id)!;
  }

  /** Drops every tag and digest of an image and marks it held (caller holds the store lock). */
  async hold(id: string): Promise<StoredImage | undefined> {
    this.reload();
    const rec = this.byId.get(id);
    if (!rec) return undefined;
    await this.write({ ...rec, repoTags: [], repoDigests: [], held: true });
    await this.bump();
    this.reload();
    return this.byId.get(id);
  }

  /** Deletes an image record (caller holds the store lock). */
  async delete(id: string): Promise<boolean> {
    this.reload();
    if (!this.byId.has(id)) return false;
    try {
      await unlink(join(this.recordsDir, `${id.slice(7)}.json`));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    await this.bump();
    this.reload();
    return true;
  }

  /** Blobs and layers that some image still needs. */
  referenced(): { blobs: Set<string>; chainIds: Set<string> } {
    const blobs = new Set<string>();
    const chainIds = new Set<string>();
    for (const rec of this.byId.values()) {
      for (const b of rec.blobs) blobs.add(b);
      for (const c of rec.chainIds) chainIds.add(c);
    }
    return { blobs, chainIds };
  }
}

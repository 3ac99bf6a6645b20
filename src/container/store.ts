// The container store: the files on disk are the truth; the map is an index rebuilt by recover().
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic-file.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import type { ContainerMeta, ContainerRecord, ContainerStatusRecord } from './types.js';

export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  /** pod ID + name + attempt → container ID: the CRI forbids duplicates. */
  private readonly byName = new Map<string, string>();

  constructor(readonly dir: string) {}

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  /** Loads every container from disk; unreadable entries are returned for the caller to log. */
  async recover(): Promise<{ loaded: number; broken: { id: string; error: unknown }[] }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.byId.clear();
    this.byName.clear();
    const broken: { id: string; error: unknown }[] = [];
    for (const id of await readdir(this.dir)) {
      if (id.startsWith('.')) continue;
      try {
        const meta = await readJsonIfExists<ContainerMeta>(join(this.dir, id, 'meta.json'));
        const status = await readJsonIfExists<ContainerStatusRecord>(join(this.dir, id, 'status.json'));
        if (!meta || !status) {
          // A create that died before both files were written: nothing was started, drop it.
          broken.push({ id, error: new Error('incomplete container record') });
          continue;
        }
        this.index({ meta, status });
      } catch (error) {
        broken.push({ id, error });
      }
    }
    return { loaded: this.byId.size, broken };
  }

  private nameKey(m: { podId: string; name: string; attempt: number }): string {
    return `${m.podId}/${m.name}/${m.attempt}`;
  }

  private index(r: ContainerRecord): void {
    this.byId.set(r.meta.id, r);
    this.byName.set(this.nameKey(r.meta), r.meta.id);
  }

  /** Reserves the name (before any slow work) so two creates of the same name cannot both win. */
  reserveName(m: { podId: string; name: string; attempt: number }, id: string): void {
    const k = this.nameKey(m);
    const owner = this.byName.get(k);
    if (owner !== undefined) {
      throw new AlreadyExistsError(`container "${m.name}" attempt ${m.attempt} already exists in pod ${m.podId} (${owner})`);
    }
    this.byName.set(k, id);
  }

  releaseName(m: { podId: string; name: string; attempt: number }, id: string): void {
    const k = this.nameKey(m);
    if (this.byName.get(k) === id) this.byName.delete(k);
  }

  /** Writes both files and indexes the record. */
  async add(r: ContainerRecord): Promise<void> {
    const d = this.containerDir(r.meta.id);
    await mkdir(d, { recursive: true, mode: 0o700 });
    await writeJsonAtomic(join(d, 'meta.json'), r.meta);
    await writeJsonAtomic(join(d, 'status.json'), r.status);
    this.index(r);
  }

  /** Persists a new status (callers serialize updates per container). */
  async updateStatus(id: string, change: (s: ContainerStatusRecord) => ContainerStatusRecord): Promise<ContainerStatusRecord> {
    const r = this.get(id);
    const next = change({ ...r.status });
    await writeJsonAtomic(join(this.containerDir(id), 'status.json'), next);
    r.status = next;
    return next;
  }

  /** By full ID or a unique prefix. */
  get(idOrPrefix: string): ContainerRecord {
    const r = this.find(idOrPrefix);
    if (!r) throw new NotFoundError(`container "${idOrPrefix}" not found`);
    return r;
  }

  find(idOrPrefix: string): ContainerRecord | undefined {
    if (!idOrPrefix) throw new InvalidArgumentError('container ID is required');
    const exact = this.byId.get(idOrPrefix);
    if (exact) return exact;
    let hit: ContainerRecord | undefined;
    for (const [id, r] of this.byId) {
      if (!id.startsWith(idOrPrefix)) continue;
      if (hit) throw new InvalidArgumentError(`container ID prefix "${idOrPrefix}" is ambiguous`);
      hit = r;
    }
    return hit;
  }

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** Removes the record from disk and memory (idempotent). */
  async delete(id: string): Promise<void> {
    const r = this.byId.get(id);
    await rm(this.containerDir(id), { recursive: true, force: true });
    if (r) {
      this.byId.delete(id);
      this.releaseName(r.meta, id);
    }
  }
}

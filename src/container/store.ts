// The container store: the files on disk are the truth; the map is an index rebuilt by recover()
// and kept current by sync() (other processes — the daemon, CLI verbs — write the same files).
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, readJsonIfExistsSync, writeJsonAtomic } from '../store/atomic-file.js';
import { ChangeStamp, fileSig } from '../store/change-stamp.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import type { ContainerMeta, ContainerRecord, ContainerStatusRecord } from './types.js';

export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  /** pod ID + name + attempt → container ID: the CRI forbids duplicates. */
  private readonly byName = new Map<string, string>();
  /** status.json identity as last read, per container (sync reloads what changed). */
  private readonly sigs = new Map<string, string>();
  /** Local writes per container: a reload that raced one of ours keeps ours. */
  private readonly writes = new Map<string, number>();
  private readonly stamp: ChangeStamp;
  /** Containers this process is changing under their lock: its copy is the newest. */
  busy: (id: string) => boolean = () => false;
  /** Called for changes another process made, as sync or reload finds them (events, waiters). */
  onExternal: (kind: 'added' | 'changed' | 'removed', r: ContainerRecord, prevState?: ContainerStatusRecord['state']) => void = () => undefined;

  constructor(readonly dir: string) {
    this.stamp = new ChangeStamp(join(dir, '.stamp'));
  }

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  /** Loads every container from disk; unreadable entries are returned for the caller to log. */
  async recover(): Promise<{ loaded: number; broken: { id: string; error: unknown }[] }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.byId.clear();
    this.byName.clear();
    this.sigs.clear();
    const token = await this.stamp.read();
    const broken: { id: string; error: unknown }[] = [];
    for (const id of await readdir(this.dir)) {
      if (id.startsWith('.')) continue;
      try {
        // Synchronous: hundreds of small reads, and nothing else to run meanwhile.
        const meta = readJsonIfExistsSync<ContainerMeta>(join(this.dir, id, 'meta.json'));
        const status = readJsonIfExistsSync<ContainerStatusRecord>(join(this.dir, id, 'status.json'));
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
    this.stamp.accept(token);
    return { loaded: this.byId.size, broken };
  }

  /** Brings the index up to date with what other processes wrote (cheap when nothing changed). */
  sync(): Promise<void> {
    return this.stamp.sync(async () => {
      let names: string[];
      try {
        names = (await readdir(this.dir)).filter((n) => !n.startsWith('.'));
      } catch {
        return;
      }
      const onDisk = new Set(names);
      for (const id of [...this.byId.keys()]) if (!onDisk.has(id) && !this.busy(id)) this.unindex(id);
      await Promise.all(names.map((id) => (this.busy(id) ? undefined : this.reload(id))));
    });
  }

  /** Re-reads one container's files (under its lock: another process may have changed it). */
  async reload(id: string): Promise<void> {
    const w = this.writes.get(id);
    const sig = await fileSig(join(this.dir, id, 'status.json'));
    const cur = this.byId.get(id);
    if (sig === undefined) {
      // Removed (or a create still writing its files, which indexes itself).
      if (cur && (await fileSig(join(this.dir, id, 'meta.json'))) === undefined) this.unindex(id);
      return;
    }
    if (cur && this.sigs.get(id) === sig) return;
    const status = await readJsonIfExists<ContainerStatusRecord>(join(this.dir, id, 'status.json')).catch(() => undefined);
    const meta = cur?.meta ?? (await readJsonIfExists<ContainerMeta>(join(this.dir, id, 'meta.json')).catch(() => undefined));
    if (!status || !meta || this.writes.get(id) !== w) return;
    const now = this.byId.get(id);
    if (now) {
      const prev = now.status.state;
      now.status = status;
      if (prev !== status.state) this.onExternal('changed', now, prev);
    } else {
      this.index({ meta, status });
      this.onExternal('added', this.byId.get(id)!);
    }
    this.sigs.set(id, sig);
  }

  private unindex(id: string): void {
    const r = this.byId.get(id);
    if (!r) return;
    this.byId.delete(id);
    this.sigs.delete(id);
    this.writes.delete(id);
    this.releaseName(r.meta, id);
    this.onExternal('removed', r);
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
    this.writes.set(r.meta.id, (this.writes.get(r.meta.id) ?? 0) + 1);
    await this.stamp.bump();
  }

  /** Persists a new status (callers serialize updates per container). */
  async updateStatus(id: string, change: (s: ContainerStatusRecord) => ContainerStatusRecord): Promise<ContainerStatusRecord> {
    const r = this.get(id);
    // The file, not memory: another process may have written it since we read it.
    const onDisk = await readJsonIfExists<ContainerStatusRecord>(join(this.containerDir(id), 'status.json'));
    const next = change({ ...(onDisk ?? r.status) });
    await writeJsonAtomic(join(this.containerDir(id), 'status.json'), next);
    r.status = next;
    this.writes.set(id, (this.writes.get(id) ?? 0) + 1);
    await this.stamp.bump();
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
      this.sigs.delete(id);
      this.writes.delete(id);
      this.releaseName(r.meta, id);
    }
    await this.stamp.bump();
  }
}

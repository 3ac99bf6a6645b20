// Pods on disk: <root>/pods/<id>/pod.json is the truth (written atomically at every state
// change); volatile parts (the /dev/shm mount, conmon's exit and socket dirs) live under
// <run_root>/pods/<id>.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, readJsonIfExistsSync, writeJsonAtomic } from '../store/atomic-file.js';
import { ChangeStamp } from '../store/change-stamp.js';
import type { PodRecord } from './types.js';

export interface PodPaths {
  dir: string;
  runDir: string;
  record: string;
  resolvConf: string;
  hosts: string;
  hostname: string;
  infraBundle: string;
  infraRootfs: string;
  shm: string;
  exitDir: string;
  socketDir: string;
}

export class PodStore {
  readonly podsDir: string;
  readonly runDir: string;
  /** Bumped after every write, so other processes (daemon, CLI) know to re-read (PodController.sync). */
  readonly stamp: ChangeStamp;

  constructor(root: string, runRoot: string) {
    this.podsDir = join(root, 'pods');
    this.runDir = join(runRoot, 'pods');
    this.stamp = new ChangeStamp(join(root, 'pods.stamp'));
  }

  paths(id: string): PodPaths {
    const dir = join(this.podsDir, id);
    const runDir = join(this.runDir, id);
    return {
      dir,
      runDir,
      record: join(dir, 'pod.json'),
      resolvConf: join(dir, 'resolv.conf'),
      hosts: join(dir, 'hosts'),
      hostname: join(dir, 'hostname'),
      infraBundle: join(dir, 'infra'),
      infraRootfs: join(dir, 'infra', 'rootfs'),
      shm: join(runDir, 'shm'),
      exitDir: join(runDir, 'exits'),
      socketDir: join(runDir, 'sockets'),
    };
  }

  async createDirs(id: string): Promise<PodPaths> {
    const p = this.paths(id);
    // The pod's dir is closed to other users; the infra's empty root inside it is an ordinary 0755 root.
    await mkdir(p.dir, { recursive: true, mode: 0o700 });
    await mkdir(p.infraRootfs, { recursive: true, mode: 0o755 });
    await mkdir(p.runDir, { recursive: true, mode: 0o700 });
    return p;
  }

  async save(rec: PodRecord): Promise<void> {
    await writeJsonAtomic(this.paths(rec.id).record, rec);
    await this.stamp.bump();
  }

  async load(id: string): Promise<PodRecord | undefined> {
    return readJsonIfExists<PodRecord>(this.paths(id).record);
  }

  /** The same, read synchronously (start-up recovery: many small reads, nothing else running). */
  loadSync(id: string): PodRecord | undefined {
    return readJsonIfExistsSync<PodRecord>(this.paths(id).record);
  }

  /** Ids of every pod directory that holds a record. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.podsDir);
    } catch {
      return [];
    }
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  async removeDirs(id: string): Promise<void> {
    const p = this.paths(id);
    await rm(p.runDir, { recursive: true, force: true });
    await rm(p.dir, { recursive: true, force: true });
    await this.stamp.bump();
  }
}

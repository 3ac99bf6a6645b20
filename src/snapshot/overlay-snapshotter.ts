// Root filesystems from unpacked layers: each layer is unpacked once into
// <root>/snapshots/layers/<chainID hex> (shared by every image using it), and each container gets
// <root>/snapshots/active/<key>/{upper,work,rootfs} mounted as overlayfs over its image's layers.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, InternalError, InvalidArgumentError, NotFoundError, isErrno } from '../errors/catalog.js';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic-file.js';
import { diskUsage } from './disk-usage.js';
import { grantTraverse, mountIdmappedOverlay, revokeTraverse } from './idmapped-overlay.js';
import { ProcessTemp } from './process-temp.js';
import type { RootfsMount, Snapshotter } from './types.js';
import { complaintOf, runCommand } from '../util/command.js';

/** A container's (or a pause infra's) root filesystem: what it stands on. */
export interface ActiveMeta {
  key: string;
  chainIds: string[];
  created: string;
  /** The image it was made from (absent in snapshots made before this was recorded). */
  image?: string;
  /**
   * Image volumes (CRI Mount.image): other images' layers, each mounted read-only at
   * volumes/<n> beside the root filesystem, kept (with their images) while the snapshot is.
   */
  volumes?: VolumeLayers[];
  /** A user-namespaced container's: its layers are idmapped through this user namespace. */
  idmap?: SnapshotIdmap;
}

/** The pod's pinned user namespace and the host ids of its root (the upper dir's owner). */
export interface SnapshotIdmap {
  userns: string;
  rootUid: number;
  rootGid: number;
}

/** An image volume: the image and its layers, bottom first. */
export interface VolumeLayers {
  image: string;
  chainIds: string[];
}

/** Every layer a snapshot stands on: its own and its image volumes'. */
export function snapshotChains(m: ActiveMeta): string[] {
  return [...m.chainIds, ...(m.volumes ?? []).flatMap((v) => v.chainIds)];
}

interface LayerMeta {
  chainId: string;
  bytes: number;
  inodes: number;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function chainHex(chainId: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(chainId)) throw new InvalidArgumentError(`invalid chain ID ${chainId}`);
  return chainId.slice(7);
}

/** Mount points in our mount namespace (octal escapes decoded). */
export async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f[4]) out.add(f[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export class OverlaySnapshotter implements Snapshotter {
  readonly layersDir: string;
  readonly metaDir: string;
  readonly activeDir: string;
  /** This process's own scratch dir for unpacks in progress (made on first use). */
  readonly temp: ProcessTemp;
  private readonly layerUsage = new Map<string, LayerMeta>();
  /** Snapshots this process prepared and has not mounted yet: known not to be mount points. */
  private readonly fresh = new Map<string, ActiveMeta>();
  /**
   * Told after a snapshot is removed (the image store collects what only it kept). Errors are the
   * listener's to handle: the removal has happened.
   */
  onRemoved: ((meta: ActiveMeta) => Promise<void>) | undefined;

  constructor(readonly root: string) {
    this.layersDir = join(root, 'layers');
    this.metaDir = join(root, 'layer-meta');
    this.activeDir = join(root, 'active');
    this.temp = new ProcessTemp(join(root, 'tmp'));
  }

  /** Creates the directories, drops unfinished unpacks, and loads layer usage. */
  async open(): Promise<void> {
    for (const d of [this.layersDir, this.metaDir, this.activeDir]) await mkdir(d, { recursive: true, mode: 0o700 });
    await this.temp.sweepDead();
    for (const name of await readdir(this.metaDir)) {
      if (!name.endsWith('.json')) continue;
      const m = await readJsonIfExists<LayerMeta>(join(this.metaDir, name)).catch(() => undefined);
      if (m && (await this.hasLayer(m.chainId))) this.layerUsage.set(m.chainId, m);
    }
  }

  layerPath(chainId: string): string {
    return join(this.layersDir, chainHex(chainId));
  }

  async hasLayer(chainId: string): Promise<boolean> {
    try {
      return (await stat(this.layerPath(chainId))).isDirectory();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async listLayers(): Promise<string[]> {
    return (await readdir(this.layersDir)).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => 'sha256:' + n);
  }

  /**
   * Unpacks a layer with `fill(dir)` into a temp dir and renames it into place, so a layer is
   * either complete or absent. Returns false when another writer got there first (ours is dropped).
   */
  async commitLayer(chainId: string, fill: (dir: string) => Promise<{ bytes: number; inodes: number }>): Promise<boolean> {
    const tmp = join(await this.temp.dir(), `${chainHex(chainId).slice(0, 16)}-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { mode: 0o755 });
    try {
      const usage = await fill(tmp);
      const meta: LayerMeta = { chainId, ...usage };
      await writeJsonAtomic(join(this.metaDir, `${chainHex(chainId)}.json`), meta);
      try {
        await rename(tmp, this.layerPath(chainId));
      } catch (err) {
        if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) {
          await rm(tmp, { recursive: true, force: true });
          return false;
        }
        throw err;
      }
      this.layerUsage.set(chainId, meta);
      return true;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Every prepared snapshot's record. */
  async activeSnapshots(): Promise<ActiveMeta[]> {
    const out: ActiveMeta[] = [];
    for (const key of await readdir(this.activeDir)) {
      const m = await readJsonIfExists<ActiveMeta>(join(this.activeDir, key, 'meta.json')).catch(() => undefined);
      if (m) out.push(m);
    }
    return out;
  }

  /** Layers referenced by prepared container snapshots (they must outlive their images). */
  async layersInUse(): Promise<Set<string>> {
    return new Set((await this.activeSnapshots()).flatMap(snapshotChains));
  }

  async removeLayer(chainId: string): Promise<void> {
    const dead = join(await this.temp.dir(), `rm-${chainHex(chainId).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.layerPath(chainId), dead);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    await rm(join(this.metaDir, `${chainHex(chainId)}.json`), { force: true });
    this.layerUsage.delete(chainId);
    await rm(dead, { recursive: true, force: true });
  }

  /** Bytes and inodes of all unpacked layers (recorded once at unpack time). */
  async layersUsage(): Promise<{ bytes: number; inodes: number }> {
    let bytes = 0;
    let inodes = 0;
    for (const id of await this.listLayers()) {
      let m = this.layerUsage.get(id);
      if (!m) {
        m = { chainId: id, ...(await diskUsage(this.layerPath(id))) };
        this.layerUsage.set(id, m);
      }
      bytes += m.bytes;
      inodes += m.inodes;
    }
    return { bytes, inodes };
  }

  private activePath(key: string): string {
    if (!KEY.test(key)) throw new InvalidArgumentError(`invalid snapshot key "${key}"`);
    return join(this.activeDir, key);
  }

  private mountFor(key: string, meta: ActiveMeta): RootfsMount {
    const dir = this.activePath(key);
    // Overlay wants the topmost layer first.
    const lowerDirs = meta.chainIds.length ? [...meta.chainIds].reverse().map((c) => this.layerPath(c)) : [join(dir, 'empty')];
    const out: RootfsMount = { target: join(dir, 'rootfs'), lowerDirs, upperDir: join(dir, 'upper'), workDir: join(dir, 'work') };
    if (meta.volumes?.length) out.volumes = meta.volumes.map((_v, i) => join(dir, 'volumes', String(i)));
    return out;
  }

  private async meta(key: string): Promise<ActiveMeta> {
    const m = await readJsonIfExists<ActiveMeta>(join(this.activePath(key), 'meta.json'));
    if (!m) throw new NotFoundError(`no prepared root filesystem for ${key}`);
    return m;
  }

  async prepare(key: string, chainIds: string[], image?: string, volumes: VolumeLayers[] = [], idmap?: SnapshotIdmap): Promise<RootfsMount> {
    const dir = this.activePath(key);
    for (const c of [...chainIds, ...volumes.flatMap((v) => v.chainIds)]) {
      if (!(await this.hasLayer(c))) throw new FailedPreconditionError(`layer ${c} is not unpacked; pull the image again`);
    }
    const existing = await readJsonIfExists<ActiveMeta>(join(dir, 'meta.json'));
    if (existing) return this.mountFor(key, existing);
    // The snapshot's own dir is closed; upper/ (the root directory the container sees) keeps 0755.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const subdirs = chainIds.length ? ['upper', 'work', 'rootfs'] : ['upper', 'work', 'rootfs', 'empty'];
    if (volumes.length) subdirs.push('volumes/empty', ...volumes.map((_v, i) => `volumes/${i}`));
    await Promise.all(subdirs.map((d) => mkdir(join(dir, d), d.endsWith('empty') ? { recursive: true } : { recursive: true, mode: 0o755 })));
    // The pod's root writes the upper dir through its mapped ids: it owns the root directory.
    if (idmap) {
      await Promise.all(['upper', 'work'].map((d) => chown(join(dir, d), idmap.rootUid, idmap.rootGid)));
      await grantTraverse(join(dir, 'rootfs'), idmap.rootUid);
    }
    const meta: ActiveMeta = { key, chainIds, created: new Date().toISOString(), ...(image ? { image } : {}), ...(volumes.length ? { volumes } : {}), ...(idmap ? { idmap } : {}) };
    await writeJsonAtomic(join(dir, 'meta.json'), meta);
    this.fresh.set(key, meta);
    return this.mountFor(key, meta);
  }

  async mount(key: string): Promise<RootfsMount> {
    const fresh = this.fresh.get(key);
    this.fresh.delete(key);
    const meta = fresh ?? (await this.meta(key));
    const m = this.mountFor(key, meta);
    // Reading mountinfo costs a few ms with hundreds of containers: skipped for a fresh snapshot.
    const mounted = fresh ? new Set<string>() : await mountPoints();
    await this.mountVolumes(key, meta, mounted);
    if (mounted.has(m.target)) return m;
    if (meta.idmap) {
      await mountIdmappedOverlay({ userns: meta.idmap.userns, lowers: m.lowerDirs, upper: m.upperDir, work: m.workDir, target: m.target, cwd: this.activePath(key) });
      return m;
    }
    // Relative lower dirs with the layers dir as cwd keep the option string short (the kernel
    // takes one page), so deep images still mount.
    const lowers = m.lowerDirs.map((d) => (d.startsWith(this.layersDir + '/') ? d.slice(this.layersDir.length + 1) : d));
    const opts = `lowerdir=${lowers.join(':')},upperdir=${m.upperDir},workdir=${m.workDir}`;
    if (opts.length > 4000) throw new FailedPreconditionError(`image has too many layers to mount (${m.lowerDirs.length})`);
    try {
      await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', opts, m.target], { cwd: this.layersDir });
    } catch (err) {
      throw new InternalError(`mounting the overlay root filesystem of ${key} failed: ${complaintOf(err)}`, { cause: err });
    }
    return m;
  }

  /**
   * Image volumes: each image's layers as a read-only overlay (lower dirs only, over an empty one
   * so that a one-layer image mounts too), nosuid, nodev and noexec as Kubernetes documents image
   * volumes (KEP-4639) and CRI-O mounts them.
   */
  private async mountVolumes(key: string, meta: ActiveMeta, mounted: Set<string>): Promise<void> {
    const dir = this.activePath(key);
    for (const [i, v] of (meta.volumes ?? []).entries()) {
      const target = join(dir, 'volumes', String(i));
      if (mounted.has(target)) continue;
      const lowers = [...[...v.chainIds].reverse().map((c) => chainHex(c)), join(dir, 'volumes', 'empty')];
      const opts = `ro,nosuid,nodev,noexec,lowerdir=${lowers.join(':')}`;
      if (opts.length > 4000) throw new FailedPreconditionError(`image volume ${v.image} has too many layers to mount (${v.chainIds.length})`);
      try {
        await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', opts, target], { cwd: this.layersDir });
      } catch (err) {
        throw new InternalError(`mounting image volume ${i} (${v.image}) of ${key} failed: ${complaintOf(err)}`, { cause: err });
      }
    }
  }

  async unmount(key: string): Promise<void> {
    this.fresh.delete(key);
    const dir = this.activePath(key);
    const points = await mountPoints();
    // Image volumes (volumes/<n>) and the root filesystem: whatever of them is mounted.
    for (const target of [...points].filter((p) => p.startsWith(join(dir, 'volumes') + '/'))) await this.umount(target);
    const target = join(dir, 'rootfs');
    if (points.has(target)) await this.umount(target);
  }

  private async umount(target: string): Promise<void> {
    try {
      await runCommand('umount', [target]);
    } catch (err) {
      // Busy (a process still inside): detach lazily so removal can go on.
      await runCommand('umount', ['-l', target]).catch(() => {
        throw new InternalError(`unmounting ${target} failed: ${complaintOf(err)}`, { cause: err });
      });
    }
  }

  async remove(key: string): Promise<void> {
    await this.unmount(key);
    const meta = await readJsonIfExists<ActiveMeta>(join(this.activePath(key), 'meta.json')).catch(() => undefined);
    await rm(this.activePath(key), { recursive: true, force: true });
    if (meta?.idmap && !(await this.idmapInUse(meta.idmap.rootUid))) await revokeTraverse(join(this.activePath(key), 'rootfs'), meta.idmap.rootUid);
    if (meta && this.onRemoved) await this.onRemoved(meta);
  }

  /** Whether another snapshot's pod root is this uid (the traverse entries above are shared). */
  private async idmapInUse(uid: number): Promise<boolean> {
    for (const key of await readdir(this.activeDir).catch(() => [] as string[])) {
      const m = await readJsonIfExists<ActiveMeta>(join(this.activeDir, key, 'meta.json')).catch(() => undefined);
      if (m?.idmap?.rootUid === uid) return true;
    }
    return false;
  }

  async usage(key: string): Promise<{ bytes: number; inodes: number }> {
    try {
      await stat(join(this.activePath(key), 'upper'));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new NotFoundError(`no writable layer for ${key}`);
      throw err;
    }
    return diskUsage(join(this.activePath(key), 'upper'));
  }

  async close(): Promise<void> {
    await this.temp.close();
  }

  /** Keys of all prepared snapshots. */
  async activeKeys(): Promise<string[]> {
    return readdir(this.activeDir);
  }
}

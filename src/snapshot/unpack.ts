// Safe layer unpacking into an empty directory (one overlay lower dir per layer): every path is
// resolved inside the directory without following symlinks, whiteouts become overlay whiteouts
// (0/0 character devices, trusted.overlay.opaque), and ownership, modes (setuid/setgid after
// chown), device nodes, hard links, xattrs and timestamps are kept. Runs as root.
import { chmod, lchown, link, lstat, lutimes, mkdir, rm, symlink, utimes, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type tar from 'tar-stream';
import { FailedPreconditionError, InternalError, InvalidArgumentError, ResourceExhaustedError, isErrno } from '../errors/catalog.js';
import { tarStream as loadTar } from './tar-lazy.js';
import { complaintOf, runCommand } from '../util/command.js';

export class UnsafeLayerError extends InvalidArgumentError {}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * A tar entry name as path components inside the layer; refuses absolute paths and `..`.
 * `./`, `.` and repeated slashes are dropped.
 */
export function safeComponents(name: string, what = 'entry'): string[] {
  if (name.startsWith('/')) throw new UnsafeLayerError(`layer ${what} "${name}" is an absolute path; refused`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeLayerError(`layer ${what} "${name}" escapes the layer with ".."; refused`);
  if (parts.some((p) => p.includes('\0'))) throw new UnsafeLayerError(`layer ${what} "${name}" contains a NUL byte; refused`);
  return parts;
}

export interface UnpackStats {
  bytes: number;
  inodes: number;
}

interface PendingDir {
  path: string;
  mtime: Date;
}

export interface UnpackOptions {
  /** Apply xattrs with setfattr (present when the `attr` package is installed). */
  xattrs?: boolean;
  /** Refuse a layer with more entries than this (each is an inode), naming `maxEntriesKey`. */
  maxEntries?: number;
  maxEntriesKey?: string;
  /** What the layer is called in messages ("layer sha256:…"). */
  name?: string;
}

let setfattrChecked: Promise<boolean> | undefined;
export function hasSetfattr(): Promise<boolean> {
  setfattrChecked ??= runCommand('setfattr', ['--version']).then(
    () => true,
    () => false,
  );
  return setfattrChecked;
}

async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  try {
    await runCommand('setfattr', ['-h', '-n', name, '-v', '0x' + value.toString('hex'), path]);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new FailedPreconditionError(`setting xattr ${name} needs setfattr (Debian package attr), which is not installed`);
    throw new InternalError(`setting xattr ${name} on a layer file failed: ${complaintOf(err)}`, { cause: err });
  }
}

async function mknod(args: string[]): Promise<void> {
  try {
    await runCommand('mknod', args);
  } catch (err) {
    throw new InternalError(`mknod ${args.join(' ')} failed: ${complaintOf(err)}`, { cause: err });
  }
}

class Unpacker {
  /** Directories known to be real directories inside root (no symlinks on the way). */
  private readonly dirs = new Set<string>(['']);
  private readonly pendingDirs: PendingDir[] = [];
  readonly stats: UnpackStats = { bytes: 0, inodes: 0 };
  private entries = 0;

  constructor(
    private readonly root: string,
    private readonly xattrs: boolean,
    private readonly o: UnpackOptions,
  ) {}

  private abs(rel: string): string {
    return rel ? join(this.root, rel) : this.root;
  }

  /** Makes sure every parent of `parts` is a real directory inside root, creating missing ones. */
  private async ensureParents(parts: string[], name: string): Promise<void> {
    let rel = '';
    for (const p of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${p}` : p;
      if (this.dirs.has(rel)) continue;
      let st;
      try {
        st = await lstat(this.abs(rel));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
        await mkdir(this.abs(rel), { mode: 0o755 });
        this.stats.inodes++;
        this.dirs.add(rel);
        continue;
      }
      if (st.isSymbolicLink()) throw new UnsafeLayerError(`layer entry "${name}" would be written through the symlink "${rel}"; refused`);
      if (!st.isDirectory()) throw new UnsafeLayerError(`layer entry "${name}" has the non-directory "${rel}" as a parent`);
      this.dirs.add(rel);
    }
  }

  /** Removes whatever is at rel (a later entry replaces an earlier one), unless it is a dir and keepDir. */
  private async clear(rel: string, keepDir: boolean): Promise<boolean> {
    const p = this.abs(rel);
    let st;
    try {
      st = await lstat(p);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    if (st.isDirectory() && keepDir) return true;
    await rm(p, { recursive: true, force: true });
    for (const d of [...this.dirs]) if (d === rel || d.startsWith(rel + '/')) this.dirs.delete(d);
    return false;
  }

  private async attrs(path: string, h: tar.Header, isLink: boolean): Promise<void> {
    await lchown(path, h.uid ?? 0, h.gid ?? 0);
    // chmod after chown: chown clears setuid/setgid bits.
    if (!isLink) await chmod(path, (h.mode ?? 0o644) & 0o7777);
    if (this.xattrs && h.pax) {
      for (const [k, v] of Object.entries(h.pax as Record<string, string>)) {
        // Values are byte-exact latin1 strings (see pax-binary.ts).
        if (k.startsWith('SCHILY.xattr.')) await setXattr(path, k.slice('SCHILY.xattr.'.length), Buffer.from(v, 'latin1'));
      }
    }
  }

  async entry(h: tar.Header, body: Readable): Promise<void> {
    if (this.o.maxEntries !== undefined && ++this.entries > this.o.maxEntries) {
      throw new ResourceExhaustedError(`${this.o.name ?? 'layer'} has more than ${this.o.maxEntries} entries, the limit ${this.o.maxEntriesKey ?? ''} sets; refused`);
    }
    const parts = safeComponents(h.name);
    const base = parts[parts.length - 1];
    if (base === undefined) {
      // "./": the layer root itself.
      body.resume();
      if (h.type === 'directory') await this.attrs(this.root, h, false);
      return;
    }
    await this.ensureParents(parts, h.name);
    const parentRel = parts.slice(0, -1).join('/');

    if (base === OPAQUE) {
      body.resume();
      await setXattr(this.abs(parentRel), 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      body.resume();
      const victim = base.slice(WHITEOUT.length);
      if (!victim || victim === '.' || victim === '..') throw new UnsafeLayerError(`layer entry "${h.name}" is a malformed whiteout`);
      const rel = parentRel ? `${parentRel}/${victim}` : victim;
      await this.clear(rel, false);
      await mknod([this.abs(rel), 'c', '0', '0']);
      this.stats.inodes++;
      return;
    }

    const rel = parts.join('/');
    const path = this.abs(rel);
    switch (h.type) {
      case 'file':
      case 'contiguous-file': {
        await this.clear(rel, false);
        const fh = await open(path, 'wx', 0o600);
        try {
          for await (const chunk of body) {
            await fh.write(chunk as Buffer);
          }
        } finally {
          await fh.close();
        }
        await this.attrs(path, h, false);
        await utimes(path, h.mtime ?? new Date(0), h.mtime ?? new Date(0));
        this.stats.bytes += h.size ?? 0;
        this.stats.inodes++;
        return;
      }
      case 'directory': {
        body.resume();
        const existed = await this.clear(rel, true);
        if (!existed) {
          await mkdir(path, { mode: 0o700 });
          this.stats.inodes++;
        }
        this.dirs.add(rel);
        await this.attrs(path, h, false);
        this.pendingDirs.push({ path, mtime: h.mtime ?? new Date(0) });
        return;
      }
      case 'symlink': {
        body.resume();
        await this.clear(rel, false);
        await symlink(h.linkname ?? '', path);
        await this.attrs(path, h, true);
        await lutimes(path, h.mtime ?? new Date(0), h.mtime ?? new Date(0));
        this.stats.inodes++;
        return;
      }
      case 'link': {
        body.resume();
        const target = safeComponents(h.linkname ?? '', 'hard link target');
        if (!target.length) throw new UnsafeLayerError(`layer entry "${h.name}" is a hard link without a target`);
        await this.ensureParents(target, h.linkname ?? '');
        const targetAbs = this.abs(target.join('/'));
        try {
          await lstat(targetAbs);
        } catch (err) {
          if (isErrno(err, 'ENOENT')) throw new InvalidArgumentError(`layer entry "${h.name}" links to "${h.linkname}", which the layer does not hold`);
          throw err;
        }
        if (target.join('/') === rel) return;
        await this.clear(rel, false);
        await link(targetAbs, path);
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        body.resume();
        await this.clear(rel, false);
        const kind = h.type === 'fifo' ? ['p'] : [h.type === 'block-device' ? 'b' : 'c', String(h.devmajor ?? 0), String(h.devminor ?? 0)];
        await mknod([path, ...kind]);
        await this.attrs(path, h, false);
        this.stats.inodes++;
        return;
      }
      default:
        // pax/gnu headers are folded into entries by tar-stream; anything else is skipped.
        body.resume();
    }
  }

  /** Directory mtimes last: creating their children changed them. */
  async finish(): Promise<void> {
    for (const d of this.pendingDirs.reverse()) await utimes(d.path, d.mtime, d.mtime).catch(() => undefined);
  }
}

/**
 * Loads what unpackLayer needs (tar-stream, the setfattr check) before data starts to flow: a
 * stream that fails while unpackLayer is still getting ready would never be seen failing.
 */
export async function prepareUnpack(): Promise<void> {
  await Promise.all([loadTar(), hasSetfattr()]);
}

/** Unpacks an uncompressed tar stream into `root` (an empty directory). */
export async function unpackLayer(tarStream: Readable, root: string, o: UnpackOptions = {}): Promise<UnpackStats> {
  const xattrs = o.xattrs ?? (await hasSetfattr());
  const u = new Unpacker(root, xattrs, o);
  const extract = (await loadTar()).extract();
  const feed = new Promise<void>((resolve, reject) => {
    tarStream.once('error', (err) => {
      extract.destroy(err);
      reject(err);
    });
    tarStream.pipe(extract);
    extract.once('finish', () => resolve());
    extract.once('close', () => resolve());
  });
  // Observed now: when the loop below fails first, a later stream error must not go unhandled.
  feed.catch(() => undefined);
  // The reader's own failure (e.g. a truncated archive) reaches the entry being read only as
  // "Stream was destroyed": keep the real one to report.
  let readerError: Error | undefined;
  extract.once('error', (err: Error) => (readerError ??= err));
  try {
    for await (const entry of extract) {
      await u.entry(entry.header, entry as unknown as Readable);
    }
  } catch (err) {
    tarStream.destroy();
    throw readerError && (err as Error).message === 'Stream was destroyed' ? readerError : err;
  }
  await feed.catch(() => undefined);
  await u.finish();
  return u.stats;
}

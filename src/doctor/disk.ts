// The state disk: free space and inodes under root and run_root, and a file system overlayfs can
// put upper layers on.
import type { Finding } from './finding.js';

/** statfs magic numbers of the file systems worth naming (linux/magic.h). */
const FS_NAMES: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlay',
  0x6969: 'nfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
  0x73717368: 'squashfs',
};

export function fsName(type: number): string {
  return FS_NAMES[type] ?? `0x${type.toString(16)}`;
}

/** Upper layers cannot live on these (overlayfs refuses them as upperdir). */
const NO_UPPER = ['overlay', 'nfs', 'fuse', 'squashfs'];

export interface DiskFacts {
  key: 'root' | 'run_root';
  path: string;
  /** statfs of the path (or of its nearest existing parent); undefined: unreadable. */
  statfs: { type: number; bsize: number; blocks: number; bavail: number; files: number; ffree: number } | undefined;
  /** The path itself exists (a fresh host has none yet: the first start creates it). */
  exists: boolean;
}

const GiB = 1024 ** 3;

export function diskFinding(f: DiskFacts): Finding {
  const check = `disk.${f.key}`;
  if (!f.statfs) return { check, status: 'fail', summary: `cannot read the file system of ${f.key} ${f.path}`, fix: `make sure ${f.path} or its parent exists` };
  const s = f.statfs;
  const fs = fsName(s.type);
  const free = s.bavail * s.bsize;
  const freePct = s.blocks ? (100 * s.bavail) / s.blocks : 0;
  const inodePct = s.files ? (100 * s.ffree) / s.files : 100;
  const facts = { path: f.path, fs_type: fs, free_bytes: free, free_percent: Math.round(freePct), free_inodes_percent: Math.round(inodePct) };
  const where = `${f.key} ${f.path}${f.exists ? '' : ' (not created yet)'} on ${fs}: ${(free / GiB).toFixed(1)} GiB (${Math.round(freePct)}%) and ${Math.round(inodePct)}% inodes free`;
  if (f.key === 'root' && NO_UPPER.includes(fs)) {
    return { check, status: 'fail', summary: `${where}; overlayfs cannot put container layers on ${fs}`, fix: 'put root on ext4, xfs (ftype=1) or btrfs', facts };
  }
  if (free < GiB || inodePct < 2) {
    return { check, status: 'fail', summary: `${where}: pulls and container writes will fail`, fix: `free space on ${f.path}'s file system (rktlet rmi unused images) or move ${f.key}`, facts };
  }
  if (freePct < 10 || inodePct < 10) {
    return { check, status: 'warn', summary: `${where}: the kubelet's image GC starts at 85% used`, fix: `free space on ${f.path}'s file system`, facts };
  }
  return { check, status: 'ok', summary: where, facts };
}

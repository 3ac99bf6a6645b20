// Where a cgroup's files are: the host's cgroup layout (v2 unified, or v1 with one mount per
// controller plus the optional hybrid cgroup2 mount) read from /proc/self/mountinfo, and the
// directory of each controller for a cgroup path — from the path the runtime configured
// (cgroupfs "/a/b" or systemd "slice:prefix:name") or from a process's /proc/<pid>/cgroup.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Dirs } from './cgroup-v1.js';
import { trySliceDir, unitDir } from '../systemd/unit-names.js';

export type CgroupLayout =
  | { version: 2; root: string }
  | { version: 1; controllers: Map<string, string>; unified?: string };

export type CgroupDirs = { version: 2; dir: string } | { version: 1; dirs: V1Dirs };

const V1_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'] as const;

/** mountinfo escapes spaces and friends as octal (\040). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): CgroupLayout {
  const controllers = new Map<string, string>();
  let cgroup2: string | undefined;
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts] = line.slice(sep + 3).split(' ');
    const mountPoint = pre[4];
    if (!mountPoint) continue;
    if (fstype === 'cgroup2') cgroup2 ??= unescapeMount(mountPoint);
    else if (fstype === 'cgroup') {
      for (const opt of (superOpts ?? '').split(',')) {
        if ((V1_CONTROLLERS as readonly string[]).includes(opt)) controllers.set(opt, unescapeMount(mountPoint));
      }
    }
  }
  if (controllers.size === 0) {
    if (!cgroup2) throw new Error('no cgroup filesystem is mounted');
    return { version: 2, root: cgroup2 };
  }
  return cgroup2 ? { version: 1, controllers, unified: cgroup2 } : { version: 1, controllers };
}

let hostLayout: Promise<CgroupLayout> | undefined;

/** The layout of this host, read once. */
export function detectLayout(): Promise<CgroupLayout> {
  hostLayout ??= readFile('/proc/self/mountinfo', 'utf8').then(parseMountinfo);
  return hostLayout;
}

/**
 * The cgroup path (relative to each hierarchy's root) a runtime config names. systemd driver:
 * "parent.slice:prefix:name" is the scope "prefix-name.scope" under the expanded slice; a bare
 * "x.slice" is the slice itself. cgroupfs: the path as given.
 */
export function cgroupPathFromConfig(driver: 'cgroupfs' | 'systemd', path: string): string {
  if (driver === 'systemd') {
    // A name systemd would refuse was refused when the pod was made: fall through to the path as given.
    const parts = path.split(':');
    if (parts.length === 3) {
      const [slice, prefix, name] = parts as [string, string, string];
      const leaf = name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name}.scope`;
      const dir = trySliceDir(slice) !== undefined ? unitDir(slice, leaf) : undefined;
      if (dir) return dir;
    }
    const dir = path.endsWith('.slice') ? trySliceDir(path) : undefined;
    if (dir) return dir;
  }
  return path.startsWith('/') ? path : `/${path}`;
}

/** /proc/<pid>/cgroup: controller → path; the cgroup2 line ("0::/x") is under the key "". */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, list, path] = m as unknown as [string, string, string];
    if (list === '') out.set('', path);
    for (const c of list.split(',')) if (c) out.set(c, path);
  }
  return out;
}

/** Every controller directory of one cgroup path (the same path in each hierarchy). */
export function dirsForPath(layout: CgroupLayout, path: string): CgroupDirs {
  if (layout.version === 2) return { version: 2, dir: join(layout.root, path) };
  const dirs: V1Dirs = {};
  for (const c of V1_CONTROLLERS) {
    const mount = layout.controllers.get(c);
    if (mount) dirs[c] = join(mount, path);
  }
  if (layout.unified && path !== '/') dirs.unified = join(layout.unified, path);
  return { version: 1, dirs };
}

/** The controller directories a process is in (per /proc/<pid>/cgroup). */
export function dirsForProcess(layout: CgroupLayout, procCgroup: Map<string, string>): CgroupDirs | undefined {
  if (layout.version === 2) {
    const p = procCgroup.get('');
    return p === undefined ? undefined : { version: 2, dir: join(layout.root, p) };
  }
  const dirs: V1Dirs = {};
  for (const c of V1_CONTROLLERS) {
    const mount = layout.controllers.get(c);
    const p = procCgroup.get(c);
    if (mount && p !== undefined) dirs[c] = join(mount, p);
  }
  // A process left in the unified root would report the whole host's pressure: skip it.
  const u = procCgroup.get('');
  if (layout.unified && u !== undefined && u !== '/') dirs.unified = join(layout.unified, u);
  return { version: 1, dirs };
}

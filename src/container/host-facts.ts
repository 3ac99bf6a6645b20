// Facts about the host and the image's root filesystem that spec generation needs: device numbers,
// the host's devices (privileged), the image's user files, propagation of mount sources, the
// daemon's oom_score_adj, swap accounting and the cgroup version. All I/O lives here.
import { access, readdir, readFile, realpath, stat, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, isErrno, OciRuntimeError } from '../errors/catalog.js';
import { normalizePermissions, type HostDevice } from '../oci/spec/devices.js';
import { complaintOf, runCommand } from '../util/command.js';
import { readFileInRoot } from './in-root.js';

export function deviceNumbers(rdev: number): { major: number; minor: number } {
  // glibc's gnu_dev_major/minor over the 64-bit dev_t.
  const big = BigInt(rdev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { major, minor };
}

/** One requested device (host path → container path), resolved to its type and numbers. */
export async function resolveDevice(hostPath: string, containerPath: string, permissions: string): Promise<HostDevice> {
  let st;
  try {
    st = await stat(hostPath);
  } catch (err) {
    throw new InvalidArgumentError(`device ${hostPath}: ${isErrno(err, 'ENOENT') ? 'does not exist' : String(err)}`, { cause: err });
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new InvalidArgumentError(`${hostPath} is not a device`);
  return {
    containerPath: containerPath || hostPath,
    type: st.isCharacterDevice() ? 'c' : 'b',
    ...deviceNumbers(st.rdev),
    fileMode: st.mode & 0o777,
    uid: st.uid,
    gid: st.gid,
    permissions: normalizePermissions(permissions),
  };
}

const SKIP_DEV = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev', 'console']);

/** Every device node under /dev, for privileged containers (as containerd's HostDevices). */
export async function hostDevices(dir = '/dev'): Promise<HostDevice[]> {
  const out: HostDevice[] = [];
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      if (d === dir && SKIP_DEV.has(n)) continue;
      const p = join(d, n);
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) await walk(p);
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const { major, minor } = deviceNumbers(st.rdev);
        out.push({ containerPath: p, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid, permissions: 'rwm' });
      }
    }
  };
  await walk(dir);
  return out;
}

/**
 * The image's /etc/passwd and /etc/group (empty when missing), read from the mounted rootfs with
 * every path resolved inside it: symlinks (etc -> /etc, passwd -> ../../etc/passwd) and `..` are
 * taken against the image's root, never the host's.
 */
export async function readUserFiles(rootfs: string): Promise<{ passwd: string; group: string }> {
  const MAX = 16 * 1024 * 1024;
  const [passwd, group] = await Promise.all([readFileInRoot(rootfs, '/etc/passwd', MAX), readFileInRoot(rootfs, '/etc/group', MAX)]);
  return { passwd, group };
}

export async function apparmorEnabled(): Promise<boolean> {
  try {
    return (await readFile('/sys/module/apparmor/parameters/enabled', 'utf8')).trim() === 'Y';
  } catch {
    return false;
  }
}

export async function isCgroupV2(): Promise<boolean> {
  try {
    await access('/sys/fs/cgroup/cgroup.controllers');
    return true;
  } catch {
    return false;
  }
}

/** cgroup v1: memsw files exist only when the kernel accounts swap; v2 always has memory.swap.max. */
export async function swapAccounting(v2: boolean): Promise<boolean> {
  if (v2) return true;
  try {
    await access('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
    return true;
  } catch {
    return false;
  }
}

interface MountInfo {
  mountPoint: string;
  optional: string[];
}

export function parseMountInfo(text: string): MountInfo[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      const sep = f.indexOf('-');
      return { mountPoint: (f[4] ?? '').replace(/\\040/g, ' '), optional: f.slice(6, sep < 0 ? undefined : sep) };
    });
}

/** The mount that holds `path` (the longest mount point that is a prefix of it, the last one mounted). */
export function mountOf(mounts: MountInfo[], path: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = mp === '/' || path === mp || path.startsWith(mp + '/');
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * Makes propagation from/to `hostPath` possible: rshared needs a shared mount, rslave a shared or
 * slave one. A private source is bind-mounted onto itself and made shared (only that subtree).
 */
export async function ensurePropagation(hostPath: string, need: 'shared' | 'slave'): Promise<void> {
  const real = await realpath(hostPath);
  const mounts = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
  const m = mountOf(mounts, real);
  const shared = m?.optional.some((o) => o.startsWith('shared:')) ?? false;
  const slave = m?.optional.some((o) => o.startsWith('master:')) ?? false;
  if (shared || (need === 'slave' && slave)) return;
  try {
    if (m?.mountPoint !== real) await runCommand('mount', ['--rbind', real, real]);
    await runCommand('mount', ['--make-rshared', real]);
  } catch (err) {
    throw new OciRuntimeError(`cannot make ${real} a shared mount`, null, complaintOf(err), { cause: err });
  }
}

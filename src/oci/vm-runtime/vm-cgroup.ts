// The host cgroup of a pod's VM: QEMU runs in the infra's cgroup (the pod's cgroup parent plus the
// pod id, where runc would put the infra), so the pod's cgroup accounts for the whole VM (the
// stats' pod figures are the VM's real CPU and memory) and a pod-level limit the kubelet sets
// bounds it (give vm RuntimeClasses an overhead, as for Kata: the VM's own memory counts).
// cgroupfs paths only: with the systemd driver the infra would be a transient scope, which this
// does not make yet (QEMU then stays in the daemon's cgroup).
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** v1 controllers a new cgroup can take a process into as made (cpuset needs cpus and mems first). */
const SKIP_V1 = new Set(['cpuset']);

/** The directories, one per mounted hierarchy, of a cgroupfs-style path (pure; [] for a systemd one). */
export function vmCgroupDirs(mountinfo: string, cgroupsPath: string): string[] {
  if (!cgroupsPath.startsWith('/') || cgroupsPath.split('/').includes('..')) return [];
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOpts] = line.slice(sep + 3).split(' ');
    const mp = line.split(' ')[4];
    if (!mp || (fstype !== 'cgroup' && fstype !== 'cgroup2')) continue;
    if (fstype === 'cgroup' && (superOpts ?? '').split(',').some((o) => SKIP_V1.has(o))) continue;
    out.push(join(mp.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))), cgroupsPath));
  }
  return out;
}

/** Makes the directories; their cgroup.procs files, for the launch wrapper to join. */
export async function makeVmCgroups(cgroupsPath: string): Promise<{ dirs: string[]; procs: string[] }> {
  const dirs = vmCgroupDirs(await readFile('/proc/self/mountinfo', 'utf8'), cgroupsPath);
  for (const d of dirs) await mkdir(d, { recursive: true });
  return { dirs, procs: dirs.map((d) => join(d, 'cgroup.procs')) };
}

/** Removes them once QEMU is gone (a dying process may hold one a moment: retried briefly). */
export async function removeVmCgroups(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    for (let i = 0; i < 50; i++) {
      const err = await rmdir(d).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      if (!err || err.code === 'ENOENT' || err.code !== 'EBUSY') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The launch wrapper: joins each cgroup.procs given before `--`, then execs the rest (sh -c script). */
export const JOIN_AND_EXEC = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 1; shift; done; shift; exec "$@"';

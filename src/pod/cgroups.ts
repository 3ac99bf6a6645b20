// Where a pod's cgroup lives, for both drivers (pure functions, fixture-tested):
//  - cgroupfs: a path. The kubelet's cgroup_parent is the pod's cgroup; without one the pod gets
//    <pod.default_cgroup_parent>/pod-<id>. The infra runs in <pod cgroup>/<id>.
//  - systemd: a slice name. `kubepods-besteffort-podX.slice` lives at
//    /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podX.slice; the infra runs in
//    the scope given as "<slice>:rktlet:<id>" (runc/crun's systemd cgroupsPath syntax).
import { InvalidArgumentError } from '../errors/catalog.js';
import { hasControlChar } from '../util/control-chars.js';
import { expandSlice } from '../systemd/unit-names.js';
import type { CgroupDriver } from '../systemd/booted.js';

export type { CgroupDriver };

export interface PodCgroup {
  /** The pod's cgroup (path or slice name): containers are placed beneath it. */
  parent: string;
  /** The infra's cgroupsPath for the OCI spec. */
  infraCgroupsPath: string;
  /** True when rktlet made the pod cgroup up (and removes it with the pod). */
  owned: boolean;
}

/** A cgroupfs-style default parent ("/rktlet") as a slice name ("rktlet.slice"). */
export function pathToSlice(path: string): string {
  const parts = path.split('/').filter((p) => p);
  if (parts.length === 0) return '-.slice';
  const last = parts[parts.length - 1]!;
  if (last.endsWith('.slice')) return last;
  return `${parts.join('-')}.slice`;
}

export function podCgroup(driver: CgroupDriver, requestedParent: string, defaultParent: string, podId: string): PodCgroup {
  if (driver === 'systemd') {
    let parent: string;
    let owned = false;
    if (requestedParent) {
      parent = requestedParent;
      expandSlice(parent); // validates
    } else {
      const base = pathToSlice(defaultParent);
      const stem = base === '-.slice' ? '' : `${base.slice(0, -'.slice'.length)}-`;
      parent = `${stem}pod${podId}.slice`;
      owned = true;
    }
    return { parent, infraCgroupsPath: `${parent}:rktlet:${podId}`, owned };
  }
  if (requestedParent) {
    if (!requestedParent.startsWith('/') || requestedParent.split('/').includes('..') || hasControlChar(requestedParent)) {
      throw new InvalidArgumentError(`cgroup_parent "${requestedParent}" must be an absolute cgroupfs path with the cgroupfs driver`);
    }
    const parent = requestedParent.replace(/\/+$/, '') || '/';
    return { parent, infraCgroupsPath: `${parent === '/' ? '' : parent}/${podId}`, owned: false };
  }
  const base = defaultParent.replace(/\/+$/, '');
  const parent = `${base}/pod-${podId}`;
  return { parent, infraCgroupsPath: `${parent}/${podId}`, owned: true };
}

/** The pod cgroup's directory relative to a controller's mount ("/…"), for either driver. */
export function podCgroupDir(driver: CgroupDriver, parent: string): string {
  return driver === 'systemd' ? expandSlice(parent) : parent;
}

/** cgroup (v1) and cgroup2 mount points from /proc/self/mountinfo (pure). */
export function cgroupMounts(mountinfo: string): { path: string; v2: boolean }[] {
  const out: { path: string; v2: boolean }[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mp = line.split(' ')[4];
    if (mp) out.push({ path: mp, v2: fstype === 'cgroup2' });
  }
  return out;
}

// Pod-level limits (UpdatePodSandboxResources): written straight into the pod's cgroup, v1 or v2.
import { writeFile, access } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors/catalog.js';
import { join } from 'node:path';
import type { ResourceRequest } from '../oci/spec/resources.js';

/** The files and values to write (pure), relative to the pod's cgroup dirs per controller. */
export function podCgroupWrites(r: ResourceRequest, v2: boolean): { controller: string; file: string; value: string }[] {
  const w: { controller: string; file: string; value: string }[] = [];
  if (v2) {
    // cgroup v2 weight from v1 shares, the conversion runc/crun use.
    if (r.cpuShares) w.push({ controller: '', file: 'cpu.weight', value: String(1 + Math.floor(((Math.max(2, Math.min(r.cpuShares, 262144)) - 2) * 9999) / 262142)) });
    if (r.cpuQuota || r.cpuPeriod) w.push({ controller: '', file: 'cpu.max', value: `${r.cpuQuota > 0 ? r.cpuQuota : 'max'} ${r.cpuPeriod || 100000}` });
    if (r.memoryLimit) w.push({ controller: '', file: 'memory.max', value: String(r.memoryLimit) });
    if (r.cpusetCpus) w.push({ controller: '', file: 'cpuset.cpus', value: r.cpusetCpus });
    if (r.cpusetMems) w.push({ controller: '', file: 'cpuset.mems', value: r.cpusetMems });
    for (const [k, v] of Object.entries(r.unified)) w.push({ controller: '', file: k, value: v });
    return w;
  }
  if (r.cpuShares) w.push({ controller: 'cpu', file: 'cpu.shares', value: String(r.cpuShares) });
  if (r.cpuPeriod) w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(r.cpuPeriod) });
  if (r.cpuQuota) w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(r.cpuQuota) });
  if (r.memoryLimit) w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(r.memoryLimit) });
  if (r.cpusetCpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: r.cpusetCpus });
  if (r.cpusetMems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: r.cpusetMems });
  return w;
}

/** Applies the writes under <cgroupRoot>[/<controller>]<podCgroup>; missing controllers are skipped. */
export async function applyPodCgroup(cgroupRoot: string, podCgroup: string, r: ResourceRequest, v2: boolean): Promise<number> {
  let n = 0;
  for (const w of podCgroupWrites(r, v2)) {
    const dir = join(cgroupRoot, w.controller, podCgroup);
    try {
      await access(dir);
    } catch {
      continue;
    }
    try {
      await writeFile(join(dir, w.file), w.value);
    } catch (err) {
      // The kernel refused the value (EINVAL, ERANGE, …): the request's, named with its file.
      throw new InvalidArgumentError(`the pod cgroup refused ${w.file} = ${JSON.stringify(w.value)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    n++;
  }
  return n;
}

// Resource limits from the CRI's LinuxContainerResources (int64 fields arrive as decimal strings).
import { InvalidArgumentError } from '../../errors/catalog.js';
import type { OciResources, SpecOpt } from './types.js';

export interface ResourceRequest {
  cpuPeriod: number;
  cpuQuota: number;
  cpuShares: number;
  memoryLimit: number;
  memorySwapLimit: number;
  cpusetCpus: string;
  cpusetMems: string;
  hugepageLimits: { pageSize: string; limit: number }[];
  unified: Record<string, string>;
  oomScoreAdj: number;
  pidsLimit?: number;
}

function int(name: string, v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} "${v}" is not an integer`);
  return n;
}

/** From the wire type (all fields present, int64 as strings). */
export function resourcesFromCri(r: {
  cpu_period: string;
  cpu_quota: string;
  cpu_shares: string;
  memory_limit_in_bytes: string;
  oom_score_adj: string;
  cpuset_cpus: string;
  cpuset_mems: string;
  hugepage_limits: { page_size: string; limit: string }[];
  unified: Record<string, string>;
  memory_swap_limit_in_bytes: string;
} | null): ResourceRequest {
  if (!r) return emptyResources();
  const out: ResourceRequest = {
    cpuPeriod: int('cpu_period', r.cpu_period),
    cpuQuota: int('cpu_quota', r.cpu_quota),
    cpuShares: int('cpu_shares', r.cpu_shares),
    memoryLimit: int('memory_limit_in_bytes', r.memory_limit_in_bytes),
    memorySwapLimit: int('memory_swap_limit_in_bytes', r.memory_swap_limit_in_bytes),
    cpusetCpus: r.cpuset_cpus,
    cpusetMems: r.cpuset_mems,
    hugepageLimits: r.hugepage_limits.map((h) => ({ pageSize: h.page_size, limit: int('hugepage limit', h.limit) })),
    unified: { ...r.unified },
    oomScoreAdj: int('oom_score_adj', r.oom_score_adj),
  };
  if (out.memoryLimit < 0 || out.cpuShares < 0 || out.cpuPeriod < 0) throw new InvalidArgumentError('resource limits must not be negative');
  // -1 is "no limit" for these two; below that nothing means anything.
  if (out.cpuQuota < -1 || out.memorySwapLimit < -1) throw new InvalidArgumentError('cpu_quota and memory_swap_limit_in_bytes must be -1 (unlimited) or more');
  // The kernel's own bounds (cgroup v1 cpu.shares 2..262144, cfs period 1 ms..1 s, quota >= 1 ms):
  // refused here with the field's name rather than by the runtime half-way through an update.
  if (out.cpuShares !== 0 && (out.cpuShares < 2 || out.cpuShares > 262144)) throw new InvalidArgumentError(`cpu_shares ${out.cpuShares} is outside 2..262144`);
  if (out.cpuPeriod !== 0 && (out.cpuPeriod < 1000 || out.cpuPeriod > 1_000_000)) throw new InvalidArgumentError(`cpu_period ${out.cpuPeriod} is outside 1000..1000000 µs`);
  if (out.cpuQuota > 0 && out.cpuQuota < 1000) throw new InvalidArgumentError(`cpu_quota ${out.cpuQuota} is below 1000 µs`);
  checkFileValues(out);
  if (out.oomScoreAdj < -1000 || out.oomScoreAdj > 1000) throw new InvalidArgumentError(`oom_score_adj ${out.oomScoreAdj} is outside -1000..1000`);
  return out;
}

/**
 * What ends up in cgroup file names and contents: written by us (pod cgroups) or by the runtime.
 * A unified key is a file name in the cgroup's directory, never a path out of it.
 */
function checkFileValues(r: ResourceRequest): void {
  for (const [what, v] of [['cpuset_cpus', r.cpusetCpus], ['cpuset_mems', r.cpusetMems]] as const) {
    if (v && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw new InvalidArgumentError(`${what} "${v}" is not a CPU or memory node list such as 0-3,5`);
  }
  for (const h of r.hugepageLimits) {
    if (!/^[0-9]+[KMGTP]B$/.test(h.pageSize)) throw new InvalidArgumentError(`hugepage page_size "${h.pageSize}" is not a size such as 2MB`);
    if (h.limit < 0) throw new InvalidArgumentError(`hugepage limit ${h.limit} is negative`);
  }
  for (const [k, v] of Object.entries(r.unified)) {
    if (!/^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/.test(k) || k.includes('..')) throw new InvalidArgumentError(`unified key "${k}" is not a cgroup v2 file name such as memory.high`);
    if (/[\n\0]/.test(v)) throw new InvalidArgumentError(`unified value of "${k}" contains a newline or NUL`);
  }
}

export function emptyResources(): ResourceRequest {
  return {
    cpuPeriod: 0,
    cpuQuota: 0,
    cpuShares: 0,
    memoryLimit: 0,
    memorySwapLimit: 0,
    cpusetCpus: '',
    cpusetMems: '',
    hugepageLimits: [],
    unified: {},
    oomScoreAdj: 0,
  };
}

/** Back to the wire type, for ContainerStatus.resources. */
export function resourcesToCri(r: ResourceRequest) {
  return {
    cpu_period: String(r.cpuPeriod),
    cpu_quota: String(r.cpuQuota),
    cpu_shares: String(r.cpuShares),
    memory_limit_in_bytes: String(r.memoryLimit),
    memory_swap_limit_in_bytes: String(r.memorySwapLimit),
    oom_score_adj: String(r.oomScoreAdj),
    cpuset_cpus: r.cpusetCpus,
    cpuset_mems: r.cpusetMems,
    hugepage_limits: r.hugepageLimits.map((h) => ({ page_size: h.pageSize, limit: String(h.limit) })),
    unified: { ...r.unified },
  };
}

/**
 * An oom_score_adj below the daemon's own cannot be set without CAP_SYS_RESOURCE: clamp it
 * (containerd's restrict_oom_score_adj) instead of letting the runtime fail.
 */
export function clampOomScoreAdj(value: number, daemonOwn: number, restrict: boolean): number {
  return restrict && value < daemonOwn ? daemonOwn : value;
}

/** The linux.resources limits (without devices), also used for `runc update`. */
export function linuxResources(r: ResourceRequest, opts: { swapAccounting: boolean }): OciResources {
  const out: OciResources = {};
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (r.cpuQuota) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.memoryLimit) {
    out.memory = { limit: r.memoryLimit };
    // No swap beyond the limit unless asked (the kubelet's NoSwap), where the kernel accounts swap.
    if (opts.swapAccounting) out.memory.swap = r.memorySwapLimit > 0 ? r.memorySwapLimit : r.memoryLimit;
  }
  if (r.hugepageLimits.length) out.hugepageLimits = r.hugepageLimits.map((h) => ({ ...h }));
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  if (Object.keys(r.unified).length) out.unified = { ...r.unified };
  return out;
}

export function withResources(r: ResourceRequest, opts: { swapAccounting: boolean; daemonOomScoreAdj: number; restrictOomScoreAdj: boolean }): SpecOpt {
  return (s) => {
    s.linux.resources = { devices: s.linux.resources?.devices ?? [], ...linuxResources(r, opts) };
    s.process.oomScoreAdj = clampOomScoreAdj(r.oomScoreAdj, opts.daemonOomScoreAdj, opts.restrictOomScoreAdj);
  };
}

export function withCgroupsPath(path: string): SpecOpt {
  return (s) => {
    if (path) s.linux.cgroupsPath = path;
  };
}

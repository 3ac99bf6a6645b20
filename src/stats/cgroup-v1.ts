// cgroup v1 reader: one directory per controller (cpu and cpuacct may be one mount or two).
// Hierarchical totals (total_* in memory.stat, *_recursive in blkio) so a pod's cgroup counts
// its containers. PSI comes from the cgroup v2 "unified" mount of hybrid hosts when the cgroup
// exists there too.
import { parseBlkio, parseFlatKeyed, parsePsi, parseUint } from './cgroup-parse.js';
import { readOptional } from './read-file.js';
import { UNLIMITED_THRESHOLD, workingSet, type CgroupSample, type CpuSample, type MemorySample } from './cgroup-sample.js';
import { nowNs } from '../util/time.js';

export interface V1Dirs {
  cpu?: string;
  cpuacct?: string;
  memory?: string;
  pids?: string;
  blkio?: string;
  /** The same cgroup under the hybrid cgroup2 mount, for PSI files. */
  unified?: string;
}

/** USER_HZ: cpuacct.stat counts in ticks of 10 ms on every Linux architecture we run on. */
const NS_PER_TICK = 10_000_000n;

async function readCpu(d: V1Dirs): Promise<CpuSample | undefined> {
  const usage = parseUint(await readOptional(d.cpuacct, 'cpuacct.usage'));
  if (usage === undefined) return undefined;
  const cpu: CpuSample = { usageNs: usage };
  const user = parseUint(await readOptional(d.cpuacct, 'cpuacct.usage_user'));
  const sys = parseUint(await readOptional(d.cpuacct, 'cpuacct.usage_sys'));
  if (user !== undefined && sys !== undefined) {
    cpu.userNs = user;
    cpu.systemNs = sys;
  } else {
    const stat = await readOptional(d.cpuacct, 'cpuacct.stat');
    if (stat) {
      const kv = parseFlatKeyed(stat);
      const u = kv.get('user');
      const s = kv.get('system');
      if (u !== undefined) cpu.userNs = u * NS_PER_TICK;
      if (s !== undefined) cpu.systemNs = s * NS_PER_TICK;
    }
  }
  const throttling = await readOptional(d.cpu, 'cpu.stat');
  if (throttling) {
    const kv = parseFlatKeyed(throttling);
    cpu.periods = kv.get('nr_periods');
    cpu.throttledPeriods = kv.get('nr_throttled');
    cpu.throttledNs = kv.get('throttled_time');
  }
  const psi = await readOptional(d.unified, 'cpu.pressure');
  if (psi) cpu.psi = parsePsi(psi);
  return cpu;
}

async function readMemory(d: V1Dirs): Promise<MemorySample | undefined> {
  const usage = parseUint(await readOptional(d.memory, 'memory.usage_in_bytes'));
  const statText = await readOptional(d.memory, 'memory.stat');
  if (usage === undefined || statText === undefined) return undefined;
  const stat = parseFlatKeyed(statText);
  // total_* include descendants; plain keys are this cgroup only (the same for a leaf).
  const s = (k: string) => stat.get(`total_${k}`) ?? stat.get(k);
  const limit = parseUint(await readOptional(d.memory, 'memory.limit_in_bytes'));
  const inactiveFile = s('inactive_file');
  const mem: MemorySample = {
    usageBytes: usage,
    workingSetBytes: workingSet(usage, inactiveFile),
    rssBytes: s('rss') ?? 0n,
    cacheBytes: s('cache'),
    mappedFileBytes: s('mapped_file'),
    activeFileBytes: s('active_file'),
    inactiveFileBytes: inactiveFile,
    swapBytes: s('swap'),
    maxUsageBytes: parseUint(await readOptional(d.memory, 'memory.max_usage_in_bytes')),
    failcnt: parseUint(await readOptional(d.memory, 'memory.failcnt')),
    pageFaults: s('pgfault') ?? 0n,
    majorPageFaults: s('pgmajfault') ?? 0n,
  };
  if (limit !== undefined && limit < UNLIMITED_THRESHOLD) mem.limitBytes = limit;
  // memsw is memory + swap: the swap share is what exceeds the memory limit.
  const memsw = parseUint(await readOptional(d.memory, 'memory.memsw.limit_in_bytes'));
  if (memsw !== undefined && memsw < UNLIMITED_THRESHOLD && mem.limitBytes !== undefined && memsw >= mem.limitBytes) {
    mem.swapLimitBytes = memsw - mem.limitBytes;
  }
  const oom = await readOptional(d.memory, 'memory.oom_control');
  if (oom) mem.oomKills = parseFlatKeyed(oom).get('oom_kill');
  const psi = await readOptional(d.unified, 'memory.pressure');
  if (psi) mem.psi = parsePsi(psi);
  return mem;
}

export async function readCgroupV1(d: V1Dirs): Promise<CgroupSample> {
  const timestampNs = nowNs();
  const sample: CgroupSample = { timestampNs };
  const [cpu, memory, pidsCurrent, pidsMax, blkBytes, blkOps, ioPsi] = await Promise.all([
    readCpu(d),
    readMemory(d),
    readOptional(d.pids, 'pids.current'),
    readOptional(d.pids, 'pids.max'),
    readOptional(d.blkio, 'blkio.throttle.io_service_bytes_recursive'),
    readOptional(d.blkio, 'blkio.throttle.io_serviced_recursive'),
    readOptional(d.unified, 'io.pressure'),
  ]);
  if (cpu) sample.cpu = cpu;
  if (memory) sample.memory = memory;
  const current = parseUint(pidsCurrent);
  if (current !== undefined) sample.pids = { current, max: parseUint(pidsMax) };
  if (blkBytes !== undefined || ioPsi !== undefined) {
    sample.io = { devices: parseBlkio(blkBytes ?? '', blkOps ?? '') };
    const psi = ioPsi ? parsePsi(ioPsi) : undefined;
    if (psi) sample.io.psi = psi;
  }
  return sample;
}

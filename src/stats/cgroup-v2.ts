// cgroup v2 reader: one directory holds every controller's files, PSI included.
import { parseFlatKeyed, parseIoStat, parsePsi, parseUint } from './cgroup-parse.js';
import { readOptional } from './read-file.js';
import { workingSet, type CgroupSample, type CpuSample, type MemorySample } from './cgroup-sample.js';
import { nowNs } from '../util/time.js';

const NS_PER_US = 1000n;

async function readCpu(dir: string): Promise<CpuSample | undefined> {
  const stat = await readOptional(dir, 'cpu.stat');
  if (stat === undefined) return undefined;
  const kv = parseFlatKeyed(stat);
  const usage = kv.get('usage_usec');
  if (usage === undefined) return undefined;
  const us = (k: string) => {
    const v = kv.get(k);
    return v === undefined ? undefined : v * NS_PER_US;
  };
  const cpu: CpuSample = {
    usageNs: usage * NS_PER_US,
    userNs: us('user_usec'),
    systemNs: us('system_usec'),
    periods: kv.get('nr_periods'),
    throttledPeriods: kv.get('nr_throttled'),
    throttledNs: us('throttled_usec'),
  };
  const psi = await readOptional(dir, 'cpu.pressure');
  if (psi) cpu.psi = parsePsi(psi);
  return cpu;
}

async function readMemory(dir: string): Promise<MemorySample | undefined> {
  const [current, statText, max, swap, swapMax, peak, events, psi] = await Promise.all([
    readOptional(dir, 'memory.current'),
    readOptional(dir, 'memory.stat'),
    readOptional(dir, 'memory.max'),
    readOptional(dir, 'memory.swap.current'),
    readOptional(dir, 'memory.swap.max'),
    readOptional(dir, 'memory.peak'),
    readOptional(dir, 'memory.events'),
    readOptional(dir, 'memory.pressure'),
  ]);
  const usage = parseUint(current);
  if (usage === undefined || statText === undefined) return undefined;
  const stat = parseFlatKeyed(statText);
  const inactiveFile = stat.get('inactive_file');
  const mem: MemorySample = {
    usageBytes: usage,
    workingSetBytes: workingSet(usage, inactiveFile),
    limitBytes: parseUint(max),
    // cAdvisor's RSS on v2 is anonymous memory.
    rssBytes: stat.get('anon') ?? 0n,
    cacheBytes: stat.get('file'),
    mappedFileBytes: stat.get('file_mapped'),
    activeFileBytes: stat.get('active_file'),
    inactiveFileBytes: inactiveFile,
    swapBytes: parseUint(swap),
    swapLimitBytes: parseUint(swapMax),
    maxUsageBytes: parseUint(peak),
    pageFaults: stat.get('pgfault') ?? 0n,
    majorPageFaults: stat.get('pgmajfault') ?? 0n,
  };
  if (events) {
    const ev = parseFlatKeyed(events);
    mem.failcnt = ev.get('max');
    mem.oomKills = ev.get('oom_kill');
  }
  if (psi) mem.psi = parsePsi(psi);
  return mem;
}

export async function readCgroupV2(dir: string): Promise<CgroupSample> {
  const timestampNs = nowNs();
  const sample: CgroupSample = { timestampNs };
  const [cpu, memory, pidsCurrent, pidsMax, ioStat, ioPsi] = await Promise.all([
    readCpu(dir),
    readMemory(dir),
    readOptional(dir, 'pids.current'),
    readOptional(dir, 'pids.max'),
    readOptional(dir, 'io.stat'),
    readOptional(dir, 'io.pressure'),
  ]);
  if (cpu) sample.cpu = cpu;
  if (memory) sample.memory = memory;
  const current = parseUint(pidsCurrent);
  if (current !== undefined) sample.pids = { current, max: parseUint(pidsMax) };
  if (ioStat !== undefined || ioPsi !== undefined) {
    sample.io = { devices: parseIoStat(ioStat ?? '') };
    const psi = ioPsi ? parsePsi(ioPsi) : undefined;
    if (psi) sample.io.psi = psi;
  }
  return sample;
}

// One reading of a cgroup, the same shape for v1 and v2: what the CRI stats and the metrics
// catalog are built from. Every part is optional because hosts differ in what they expose.
import type { DeviceIo, Psi } from './cgroup-parse.js';

export interface CpuSample {
  /** Total CPU time of every task in the cgroup, nanoseconds. */
  usageNs: bigint;
  userNs?: bigint;
  systemNs?: bigint;
  periods?: bigint;
  throttledPeriods?: bigint;
  throttledNs?: bigint;
  psi?: Psi;
}

export interface MemorySample {
  usageBytes: bigint;
  /** usage minus inactive file pages (what the kubelet evicts on), never below 0. */
  workingSetBytes: bigint;
  /** undefined: unlimited. */
  limitBytes?: bigint;
  rssBytes: bigint;
  cacheBytes?: bigint;
  mappedFileBytes?: bigint;
  activeFileBytes?: bigint;
  inactiveFileBytes?: bigint;
  swapBytes?: bigint;
  /** Swap the cgroup may use; undefined: unlimited or unknown. */
  swapLimitBytes?: bigint;
  maxUsageBytes?: bigint;
  failcnt?: bigint;
  pageFaults: bigint;
  majorPageFaults: bigint;
  oomKills?: bigint;
  psi?: Psi;
}

export interface PidsSample {
  current: bigint;
  /** undefined: unlimited. */
  max?: bigint;
}

export interface IoSample {
  devices: DeviceIo[];
  psi?: Psi;
}

export interface CgroupSample {
  /** When it was read, nanoseconds since the epoch. */
  timestampNs: bigint;
  cpu?: CpuSample;
  memory?: MemorySample;
  pids?: PidsSample;
  io?: IoSample;
}

/** v1 reports "unlimited" as a page-rounded 2^63-1; anything this large means no limit. */
export const UNLIMITED_THRESHOLD = 1n << 62n;

export function workingSet(usage: bigint, inactiveFile: bigint | undefined): bigint {
  const ws = usage - (inactiveFile ?? 0n);
  return ws > 0n ? ws : 0n;
}

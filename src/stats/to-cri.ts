// Conversions from cgroup samples and network counters to the CRI stats messages. A figure the
// host did not give stays unset (null), so the kubelet can tell "unknown" from zero.
import type { CpuUsage } from '../gen/runtime/v1/CpuUsage.js';
import type { MemoryUsage } from '../gen/runtime/v1/MemoryUsage.js';
import type { IoUsage } from '../gen/runtime/v1/IoUsage.js';
import type { SwapUsage } from '../gen/runtime/v1/SwapUsage.js';
import type { ProcessUsage } from '../gen/runtime/v1/ProcessUsage.js';
import type { NetworkUsage } from '../gen/runtime/v1/NetworkUsage.js';
import type { NetworkInterfaceUsage } from '../gen/runtime/v1/NetworkInterfaceUsage.js';
import type { PsiStats } from '../gen/runtime/v1/PsiStats.js';
import type { FilesystemUsage } from '../gen/runtime/v1/FilesystemUsage.js';
import type { UInt64Value } from '../gen/runtime/v1/UInt64Value.js';
import type { Psi, PsiLine } from './cgroup-parse.js';
import type { CgroupSample } from './cgroup-sample.js';
import { defaultInterface, type InterfaceCounters } from './net-dev.js';

export function u64(v: bigint | number | undefined): UInt64Value | null {
  return v === undefined ? null : { value: v.toString() };
}

function psiData(l: PsiLine) {
  return { Total: l.total.toString(), Avg10: l.avg10, Avg60: l.avg60, Avg300: l.avg300 };
}

export function psiStats(p: Psi | undefined): PsiStats | null {
  if (!p) return null;
  return { Some: psiData(p.some), Full: p.full ? psiData(p.full) : null };
}

export function cpuUsage(s: CgroupSample, nanoCores: bigint | undefined): CpuUsage | null {
  if (!s.cpu) return null;
  return {
    timestamp: s.timestampNs.toString(),
    usage_core_nano_seconds: u64(s.cpu.usageNs),
    usage_nano_cores: u64(nanoCores),
    psi: psiStats(s.cpu.psi),
  };
}

export function memoryUsage(s: CgroupSample): MemoryUsage | null {
  const m = s.memory;
  if (!m) return null;
  let available: bigint | undefined;
  if (m.limitBytes !== undefined) available = m.limitBytes > m.workingSetBytes ? m.limitBytes - m.workingSetBytes : 0n;
  return {
    timestamp: s.timestampNs.toString(),
    working_set_bytes: u64(m.workingSetBytes),
    available_bytes: u64(available),
    usage_bytes: u64(m.usageBytes),
    rss_bytes: u64(m.rssBytes),
    page_faults: u64(m.pageFaults),
    major_page_faults: u64(m.majorPageFaults),
    psi: psiStats(m.psi),
  };
}

export function swapUsage(s: CgroupSample): SwapUsage | null {
  const m = s.memory;
  if (m?.swapBytes === undefined) return null;
  let available: bigint | undefined;
  if (m.swapLimitBytes !== undefined) available = m.swapLimitBytes > m.swapBytes ? m.swapLimitBytes - m.swapBytes : 0n;
  return { timestamp: s.timestampNs.toString(), swap_usage_bytes: u64(m.swapBytes), swap_available_bytes: u64(available) };
}

export function ioUsage(s: CgroupSample): IoUsage | null {
  if (!s.io) return null;
  return { timestamp: s.timestampNs.toString(), psi: psiStats(s.io.psi) };
}

export function processUsage(s: CgroupSample): ProcessUsage | null {
  if (!s.pids) return null;
  return { timestamp: s.timestampNs.toString(), process_count: u64(s.pids.current) };
}

function iface(i: InterfaceCounters): NetworkInterfaceUsage {
  return { name: i.name, rx_bytes: u64(i.rxBytes), rx_errors: u64(i.rxErrors), tx_bytes: u64(i.txBytes), tx_errors: u64(i.txErrors) };
}

export function networkUsage(timestampNs: bigint, ifaces: InterfaceCounters[] | undefined): NetworkUsage | null {
  if (!ifaces) return null;
  const def = defaultInterface(ifaces);
  return { timestamp: timestampNs.toString(), default_interface: def ? iface(def) : null, interfaces: ifaces.map(iface) };
}

export function filesystemUsage(
  timestampNs: bigint,
  mountpoint: string,
  usage: { bytes: number; inodes: number } | undefined,
): FilesystemUsage | null {
  if (!usage) return null;
  return { timestamp: timestampNs.toString(), fs_id: { mountpoint }, used_bytes: u64(usage.bytes), inodes_used: u64(usage.inodes) };
}

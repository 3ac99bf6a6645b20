// The cAdvisor-style metrics served by ListMetricDescriptors / ListPodSandboxMetrics: the names,
// help texts and labels the kubelet re-exports on /metrics/cadvisor when it takes stats from the
// CRI. Each entry says how to compute its samples from a cgroup sample, so the descriptor list
// and the values can never disagree (label_values always line up with label_keys).
import type { CgroupSample } from '../stats/cgroup-sample.js';
import type { InterfaceCounters } from '../stats/net-dev.js';
import type { Psi } from '../stats/cgroup-parse.js';

/** cAdvisor's labels as the kubelet exports them: container and pod identity plus the cgroup. */
export const BASE_LABEL_KEYS = ['container', 'id', 'image', 'name', 'namespace', 'pod'] as const;

export interface BaseLabels {
  /** Container name ("" for the pod's own cgroup). */
  container: string;
  /** The cgroup path, as cAdvisor's id. */
  id: string;
  image: string;
  /** The runtime's name for it: the container ID ("" for the pod). */
  name: string;
  namespace: string;
  pod: string;
}

export interface MetricSubject {
  labels: BaseLabels;
  sample?: CgroupSample;
  network?: InterfaceCounters[];
  writableLayer?: { mountpoint: string; bytes: number; inodes: number };
  startedAtNs?: bigint;
  /** "major:minor" → device name (sda); unknown devices are labelled major:minor. */
  deviceNames?: Map<string, string>;
}

export type MetricKind = 'COUNTER' | 'GAUGE';

export interface MetricValue {
  extra: string[];
  value: bigint;
}

export interface CatalogEntry {
  name: string;
  help: string;
  type: MetricKind;
  extraLabelKeys: string[];
  values: (s: MetricSubject) => MetricValue[];
}

const NS = 1_000_000_000n;
const US = 1_000_000n;
const one = (v: bigint | number | undefined): MetricValue[] => (v === undefined ? [] : [{ extra: [], value: BigInt(v) }]);
const seconds = (ns: bigint | undefined) => (ns === undefined ? undefined : ns / NS);

function psiEntries(resource: 'cpu' | 'memory' | 'io', pick: (s: CgroupSample) => Psi | undefined): CatalogEntry[] {
  // cAdvisor: "waiting" is PSI's "some" (at least one task stalled), "stalled" is "full".
  return [
    {
      name: `container_pressure_${resource}_waiting_seconds_total`,
      help: `Total time duration tasks in the container have waited due to ${resource} congestion.`,
      type: 'COUNTER',
      extraLabelKeys: [],
      values: (s) => one(s.sample && pick(s.sample) ? pick(s.sample)!.some.total / US : undefined),
    },
    {
      name: `container_pressure_${resource}_stalled_seconds_total`,
      help: `Total time duration no tasks in the container could make progress due to ${resource} congestion.`,
      type: 'COUNTER',
      extraLabelKeys: [],
      values: (s) => one(s.sample && pick(s.sample)?.full ? pick(s.sample)!.full!.total / US : undefined),
    },
  ];
}

function netEntry(name: string, help: string, pick: (i: InterfaceCounters) => bigint): CatalogEntry {
  return {
    name,
    help,
    type: 'COUNTER',
    extraLabelKeys: ['interface'],
    values: (s) => (s.network ?? []).map((i) => ({ extra: [i.name], value: pick(i) })),
  };
}

function deviceLabel(s: MetricSubject, major: number, minor: number): string {
  const key = `${major}:${minor}`;
  return s.deviceNames?.get(key) ?? key;
}

function ioEntry(name: string, help: string, pick: (d: { readBytes: bigint; writeBytes: bigint; reads: bigint; writes: bigint }) => bigint): CatalogEntry {
  return {
    name,
    help,
    type: 'COUNTER',
    extraLabelKeys: ['device'],
    values: (s) => (s.sample?.io?.devices ?? []).map((d) => ({ extra: [deviceLabel(s, d.major, d.minor)], value: pick(d) })),
  };
}

const mem = (s: MetricSubject) => s.sample?.memory;
const cpu = (s: MetricSubject) => s.sample?.cpu;

export const CATALOG: readonly CatalogEntry[] = [
  // CPU. The wire carries integers: seconds are whole seconds (as CRI-O).
  { name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed in seconds.', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(seconds(cpu(s)?.usageNs)) },
  { name: 'container_cpu_user_seconds_total', help: 'Cumulative user cpu time consumed in seconds.', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(seconds(cpu(s)?.userNs)) },
  { name: 'container_cpu_system_seconds_total', help: 'Cumulative system cpu time consumed in seconds.', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(seconds(cpu(s)?.systemNs)) },
  { name: 'container_cpu_cfs_periods_total', help: 'Number of elapsed enforcement period intervals.', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(cpu(s)?.periods) },
  { name: 'container_cpu_cfs_throttled_periods_total', help: 'Number of throttled period intervals.', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(cpu(s)?.throttledPeriods) },
  { name: 'container_cpu_cfs_throttled_seconds_total', help: 'Total time duration the container has been throttled.', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(seconds(cpu(s)?.throttledNs)) },
  // Memory.
  { name: 'container_memory_usage_bytes', help: 'Current memory usage in bytes, including all memory regardless of when it was accessed', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.usageBytes) },
  { name: 'container_memory_working_set_bytes', help: 'Current working set in bytes.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.workingSetBytes) },
  { name: 'container_memory_rss', help: 'Size of RSS in bytes.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.rssBytes) },
  { name: 'container_memory_cache', help: 'Number of bytes of page cache memory.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.cacheBytes) },
  { name: 'container_memory_mapped_file', help: 'Size of memory mapped files in bytes.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.mappedFileBytes) },
  { name: 'container_memory_swap', help: 'Container swap usage in bytes.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.swapBytes) },
  { name: 'container_memory_max_usage_bytes', help: 'Maximum memory usage recorded in bytes', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.maxUsageBytes) },
  { name: 'container_memory_failcnt', help: 'Number of memory usage hits limits', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(mem(s)?.failcnt) },
  { name: 'container_memory_total_active_file_bytes', help: 'Current total active file in bytes.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.activeFileBytes) },
  { name: 'container_memory_total_inactive_file_bytes', help: 'Current total inactive file in bytes.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(mem(s)?.inactiveFileBytes) },
  {
    name: 'container_memory_failures_total',
    help: 'Cumulative count of memory allocation failures.',
    type: 'COUNTER',
    extraLabelKeys: ['failure_type', 'scope'],
    values: (s) => {
      const m = mem(s);
      if (!m) return [];
      return [
        { extra: ['pgfault', 'hierarchy'], value: m.pageFaults },
        { extra: ['pgmajfault', 'hierarchy'], value: m.majorPageFaults },
      ];
    },
  },
  { name: 'container_oom_events_total', help: 'Count of out of memory events observed for the container', type: 'COUNTER', extraLabelKeys: [], values: (s) => one(mem(s)?.oomKills) },
  { name: 'container_spec_memory_limit_bytes', help: 'Memory limit for the container.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(s.sample?.memory ? (mem(s)?.limitBytes ?? 0n) : undefined) },
  // Processes.
  { name: 'container_processes', help: 'Number of processes running inside the container.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(s.sample?.pids?.current) },
  { name: 'container_threads_max', help: 'Maximum number of threads allowed inside the container, infinity if value is zero', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(s.sample?.pids ? (s.sample.pids.max ?? 0n) : undefined) },
  // Block IO.
  ioEntry('container_fs_reads_bytes_total', 'Cumulative count of bytes read', (d) => d.readBytes),
  ioEntry('container_fs_writes_bytes_total', 'Cumulative count of bytes written', (d) => d.writeBytes),
  ioEntry('container_fs_reads_total', 'Cumulative count of reads completed', (d) => d.reads),
  ioEntry('container_fs_writes_total', 'Cumulative count of writes completed', (d) => d.writes),
  {
    name: 'container_blkio_device_usage_total',
    help: 'Blkio device bytes usage',
    type: 'COUNTER',
    extraLabelKeys: ['device', 'major', 'minor', 'operation'],
    values: (s) =>
      (s.sample?.io?.devices ?? []).flatMap((d) => {
        const base = [deviceLabel(s, d.major, d.minor), String(d.major), String(d.minor)];
        return [
          { extra: [...base, 'Read'], value: d.readBytes },
          { extra: [...base, 'Write'], value: d.writeBytes },
        ];
      }),
  },
  // Writable layer.
  {
    name: 'container_fs_usage_bytes',
    help: 'Number of bytes that are consumed by the container on this filesystem.',
    type: 'GAUGE',
    extraLabelKeys: ['device'],
    values: (s) => (s.writableLayer ? [{ extra: [s.writableLayer.mountpoint], value: BigInt(s.writableLayer.bytes) }] : []),
  },
  {
    name: 'container_fs_inodes_used',
    help: 'Number of inodes used by the container on this filesystem.',
    type: 'GAUGE',
    extraLabelKeys: ['device'],
    values: (s) => (s.writableLayer ? [{ extra: [s.writableLayer.mountpoint], value: BigInt(s.writableLayer.inodes) }] : []),
  },
  // Network (the pod's namespace).
  netEntry('container_network_receive_bytes_total', 'Cumulative count of bytes received', (i) => i.rxBytes),
  netEntry('container_network_receive_packets_total', 'Cumulative count of packets received', (i) => i.rxPackets),
  netEntry('container_network_receive_packets_dropped_total', 'Cumulative count of packets dropped while receiving', (i) => i.rxDropped),
  netEntry('container_network_receive_errors_total', 'Cumulative count of errors encountered while receiving', (i) => i.rxErrors),
  netEntry('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted', (i) => i.txBytes),
  netEntry('container_network_transmit_packets_total', 'Cumulative count of packets transmitted', (i) => i.txPackets),
  netEntry('container_network_transmit_packets_dropped_total', 'Cumulative count of packets dropped while transmitting', (i) => i.txDropped),
  netEntry('container_network_transmit_errors_total', 'Cumulative count of errors encountered while transmitting', (i) => i.txErrors),
  // Pressure stall information (cgroup v2 files; the unified mount on hybrid hosts).
  ...psiEntries('cpu', (x) => x.cpu?.psi),
  ...psiEntries('memory', (x) => x.memory?.psi),
  ...psiEntries('io', (x) => x.io?.psi),
  // Lifecycle.
  { name: 'container_start_time_seconds', help: 'Start time of the container since unix epoch in seconds.', type: 'GAUGE', extraLabelKeys: [], values: (s) => one(seconds(s.startedAtNs)) },
];

export function labelKeys(e: CatalogEntry): string[] {
  return [...BASE_LABEL_KEYS, ...e.extraLabelKeys];
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricDescriptors, metricsFor, sandboxMetrics } from './sandbox-metrics.js';
import type { MetricSubject } from './catalog.js';

const psi = { some: { total: 3_500_000n, avg10: 0, avg60: 0, avg300: 0 }, full: { total: 1_000_000n, avg10: 0, avg60: 0, avg300: 0 } };
const subject: MetricSubject = {
  labels: { container: 'app', id: '/rktlet/p/c', image: 'busybox:latest', name: 'c', namespace: 'default', pod: 'web' },
  sample: {
    timestampNs: 1n,
    cpu: { usageNs: 2_500_000_000n, userNs: 2_000_000_000n, systemNs: 500_000_000n, psi },
    memory: { usageBytes: 100n, workingSetBytes: 80n, rssBytes: 50n, pageFaults: 7n, majorPageFaults: 1n, psi },
    pids: { current: 3n },
    io: { devices: [{ major: 8, minor: 0, readBytes: 10n, writeBytes: 20n, reads: 1n, writes: 2n }], psi },
  },
  network: [{ name: 'eth0', rxBytes: 5n, rxPackets: 1n, rxErrors: 0n, rxDropped: 0n, txBytes: 6n, txPackets: 1n, txErrors: 0n, txDropped: 0n }],
  writableLayer: { mountpoint: '/var/lib/rktlet/c/upper', bytes: 4096, inodes: 3 },
  startedAtNs: 1_700_000_000_500_000_000n,
  deviceNames: new Map([['8:0', 'sda']]),
};

test('descriptors: unique names, cAdvisor labels first, the names the kubelet dashboards use', () => {
  const d = metricDescriptors();
  const names = d.map((x) => x.name);
  assert.equal(new Set(names).size, names.length);
  for (const n of [
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
    'container_memory_usage_bytes',
    'container_memory_rss',
    'container_network_receive_bytes_total',
    'container_network_transmit_bytes_total',
    'container_processes',
    'container_pressure_cpu_waiting_seconds_total',
  ]) {
    assert.ok(names.includes(n), n);
  }
  for (const x of d) assert.deepEqual(x.label_keys!.slice(0, 6), ['container', 'id', 'image', 'name', 'namespace', 'pod']);
  assert.deepEqual(d.find((x) => x.name === 'container_network_receive_bytes_total')?.label_keys?.slice(6), ['interface']);
});

test('every metric has a descriptor and exactly as many label values as label keys', () => {
  const keys = new Map(metricDescriptors().map((d) => [d.name!, d.label_keys!]));
  const ms = metricsFor(subject);
  assert.ok(ms.length > 30);
  for (const m of ms) {
    const k = keys.get(m.name!);
    assert.ok(k, `${m.name} has no descriptor`);
    assert.equal(m.label_values!.length, k.length, m.name);
  }
});

test('values: seconds from nanoseconds, bytes as read, network per interface, PSI some/full', () => {
  const ms = metricsFor(subject);
  const get = (name: string, extra: string[] = []) =>
    ms.find((m) => m.name === name && JSON.stringify(m.label_values!.slice(6)) === JSON.stringify(extra));
  assert.equal(get('container_cpu_usage_seconds_total')?.value?.value, '2');
  assert.equal(get('container_cpu_usage_seconds_total')?.metric_type, 'COUNTER');
  assert.deepEqual(get('container_cpu_usage_seconds_total')?.label_values, ['app', '/rktlet/p/c', 'busybox:latest', 'c', 'default', 'web']);
  assert.equal(get('container_memory_working_set_bytes')?.value?.value, '80');
  assert.equal(get('container_memory_working_set_bytes')?.metric_type, 'GAUGE');
  assert.equal(get('container_network_receive_bytes_total', ['eth0'])?.value?.value, '5');
  assert.equal(get('container_network_transmit_bytes_total', ['eth0'])?.value?.value, '6');
  assert.equal(get('container_fs_reads_bytes_total', ['sda'])?.value?.value, '10');
  assert.equal(get('container_blkio_device_usage_total', ['sda', '8', '0', 'Write'])?.value?.value, '20');
  assert.equal(get('container_memory_failures_total', ['pgmajfault', 'hierarchy'])?.value?.value, '1');
  assert.equal(get('container_pressure_cpu_waiting_seconds_total')?.value?.value, '3');
  assert.equal(get('container_pressure_io_stalled_seconds_total')?.value?.value, '1');
  assert.equal(get('container_fs_usage_bytes', ['/var/lib/rktlet/c/upper'])?.value?.value, '4096');
  assert.equal(get('container_start_time_seconds')?.value?.value, '1700000000');
  assert.equal(get('container_spec_memory_limit_bytes')?.value?.value, '0'); // unlimited
  assert.equal(get('container_processes')?.value?.value, '3');
});

test('a subject with nothing read yields no metrics; sandboxMetrics nests containers', () => {
  const empty: MetricSubject = { labels: subject.labels };
  assert.deepEqual(metricsFor(empty), []);
  const sm = sandboxMetrics('pod1', { labels: { ...subject.labels, container: '' }, network: subject.network }, [{ id: 'c1', subject }]);
  assert.equal(sm.pod_sandbox_id, 'pod1');
  assert.ok(sm.metrics!.every((m) => m.name!.startsWith('container_network_')));
  assert.equal(sm.container_metrics![0]!.container_id, 'c1');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { RuntimeMetrics } from './prom-registry.js';
import { metrics } from './registry.js';
import { parseListenAddress, startMetricsEndpoint } from './http-endpoint.js';
import { silentLogger } from '../log/logger.js';

test('RPC latency, totals and errors by method and code', async () => {
  const m = new RuntimeMetrics();
  m.observeCall('Version', 0.002, status.OK);
  m.observeCall('ContainerStatus', 0.01, status.NOT_FOUND);
  const t = await m.text();
  assert.match(t, /rktlet_cri_request_duration_seconds_count\{method="Version"\} 1/);
  assert.match(t, /rktlet_cri_requests_total\{method="ContainerStatus",code="NOT_FOUND"\} 1/);
  assert.match(t, /rktlet_cri_request_errors_total\{method="ContainerStatus",code="NOT_FOUND"\} 1/);
  assert.doesNotMatch(t, /rktlet_cri_request_errors_total\{method="Version"/);
});

test('image pulls: bytes, count by result, durations', async () => {
  const m = new RuntimeMetrics();
  m.imagePull(1000, 1.5);
  m.imagePull(24, 0.2);
  m.imagePull(0, 3, false);
  const t = await m.text();
  assert.match(t, /rktlet_image_pull_bytes_total 1024/);
  assert.match(t, /rktlet_image_pulls_total\{result="success"\} 2/);
  assert.match(t, /rktlet_image_pulls_total\{result="failure"\} 1/);
  assert.match(t, /rktlet_image_pull_duration_seconds_sum\{result="success"\} 1.7/);
});

test('pods and containers by state come from the state source at scrape time', async () => {
  const m = new RuntimeMetrics();
  let running = 1;
  m.setStateSource(() => ({ pods: { SANDBOX_READY: 1 }, containers: { CONTAINER_RUNNING: running, CONTAINER_EXITED: 2 } }));
  assert.match(await m.text(), /rktlet_containers\{state="CONTAINER_RUNNING"\} 1/);
  running = 0;
  const t = await m.text();
  assert.match(t, /rktlet_containers\{state="CONTAINER_RUNNING"\} 0/);
  assert.match(t, /rktlet_pods\{state="SANDBOX_READY"\} 1/);
});

test('listen address parsing', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:9090'), { host: '127.0.0.1', port: 9090 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListenAddress(':9090'), { host: '127.0.0.1', port: 9090 });
  assert.throws(() => parseListenAddress('9090'), /metrics\.address/);
  assert.throws(() => parseListenAddress('h:99999'), /metrics\.address/);
});

test('the endpoint serves /metrics and 404s elsewhere', async () => {
  const m = new RuntimeMetrics();
  m.enableProcessMetrics();
  m.imagePull(5, 1);
  const ep = await startMetricsEndpoint('127.0.0.1:0', m, silentLogger());
  try {
    const r = await fetch(`http://127.0.0.1:${ep.port}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const body = await r.text();
    assert.match(body, /rktlet_image_pull_bytes_total 5/);
    assert.match(body, /process_resident_memory_bytes/);
    assert.equal((await fetch(`http://127.0.0.1:${ep.port}/`)).status, 404);
  } finally {
    await ep.close();
  }
});

test('the module-wide recorder drops pulls until enabled, then records them', async () => {
  metrics.imagePull(7, 1);
  assert.equal(metrics.registry, undefined);
  const m = await metrics.enable();
  assert.equal(await metrics.enable(), m);
  metrics.imagePull(11, 0.5);
  assert.match(await m.text(), /rktlet_image_pull_bytes_total 11/);
});

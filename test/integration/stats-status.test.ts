// Status conditions, metric descriptors, the Prometheus endpoint and the event stream's
// lifecycle against a real daemon (no pods needed).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon } from '../helpers/daemon.js';

const daemons: TestDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.destroy();
});

async function start(configToml = '') {
  const d = await TestDaemon.start({ configToml });
  daemons.push(d);
  return d;
}

async function conditions(d: TestDaemon) {
  const s = await d.client.runtime('Status', { verbose: false });
  return Object.fromEntries(s.status!.conditions.map((c) => [c.type, c]));
}

/** The endpoint's port from its log line (logs are asynchronous: wait for it). */
async function metricsUrlOf(d: TestDaemon): Promise<string> {
  for (;;) {
    const m = /"address":"127\.0\.0\.1:(\d+)","msg":"serving Prometheus metrics/.exec(d.stderr);
    if (m) return `http://127.0.0.1:${m[1]}/metrics`;
    await sleep(20);
  }
}

const LOOPBACK_NET = JSON.stringify({ cniVersion: '1.0.0', name: 'test', plugins: [{ type: 'loopback' }] });

test('Status: RuntimeReady false while the OCI runtime or conmon is missing or broken, true once fixed', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'rktlet-stats-bin-'));
  after(() => rmSync(bin, { recursive: true, force: true }));
  const fakeRuntime = join(bin, 'fake-runc');
  const fakeConmon = join(bin, 'fake-conmon');
  // [network] is open in the generated config; the runtime table follows it.
  const d = await start(
    [
      'write_default_config = false',
      '[runtime]',
      'default_handler = "fake"',
      `conmon = "${fakeConmon}"`,
      '[runtime.handlers.fake]',
      `path = "${fakeRuntime}"`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(d.dirs.cniConfDir, '10-test.conflist'), LOOPBACK_NET);

  let c = await conditions(d);
  assert.equal(c.RuntimeReady?.status, false);
  assert.equal(c.RuntimeReady?.reason, 'RuntimeBinaryMissing');
  assert.ok(c.RuntimeReady!.message.includes(fakeRuntime), c.RuntimeReady!.message);
  assert.ok(c.RuntimeReady!.message.includes(fakeConmon), c.RuntimeReady!.message);
  assert.equal(c.NetworkReady?.status, true, c.NetworkReady?.message);

  // Present but broken: runs and fails.
  writeFileSync(fakeRuntime, '#!/bin/sh\necho "runtime exploded" >&2\nexit 3\n');
  chmodSync(fakeRuntime, 0o755);
  writeFileSync(fakeConmon, '#!/bin/sh\nexec /usr/bin/conmon "$@"\n');
  chmodSync(fakeConmon, 0o755);
  c = await conditions(d);
  assert.equal(c.RuntimeReady?.status, false);
  assert.equal(c.RuntimeReady?.reason, 'RuntimeBinaryBroken');
  assert.match(c.RuntimeReady!.message, /runtime exploded/);

  // Replaced by a working one: ready again (the probe notices the new file).
  writeFileSync(fakeRuntime, '#!/bin/sh\nexec /usr/sbin/runc "$@"\n');
  c = await conditions(d);
  assert.equal(c.RuntimeReady?.status, true, c.RuntimeReady?.message);
  assert.equal(c.RuntimeReady?.reason, '');

  rmSync(fakeConmon);
  c = await conditions(d);
  assert.equal(c.RuntimeReady?.status, false);
  assert.match(c.RuntimeReady!.message, /conmon/);
});

test('Status: NetworkReady false while the CNI config is missing or broken, naming the file', async () => {
  const d = await start('write_default_config = false\n');
  let c = await conditions(d);
  assert.equal(c.RuntimeReady?.status, true, c.RuntimeReady?.message);
  assert.equal(c.NetworkReady?.status, false);
  assert.equal(c.NetworkReady?.reason, 'NetworkPluginNotReady');

  const file = join(d.dirs.cniConfDir, '10-broken.conflist');
  writeFileSync(file, '{ "cniVersion": "1.0.0", "name": ');
  c = await conditions(d);
  assert.equal(c.NetworkReady?.status, false);
  assert.ok(c.NetworkReady!.message.includes(file), c.NetworkReady!.message);

  writeFileSync(file, JSON.stringify({ cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'no-such-plugin' }] }));
  c = await conditions(d);
  assert.equal(c.NetworkReady?.status, false);
  assert.match(c.NetworkReady!.message, /no-such-plugin/);

  writeFileSync(file, LOOPBACK_NET);
  c = await conditions(d);
  assert.equal(c.NetworkReady?.status, true, c.NetworkReady?.message);
});

test('ListMetricDescriptors: cAdvisor names with their label keys', async () => {
  const d = await start();
  const r = await d.client.runtime('ListMetricDescriptors', {});
  const byName = new Map(r.descriptors.map((x) => [x.name, x]));
  for (const n of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_network_receive_bytes_total', 'container_network_transmit_bytes_total']) {
    const desc = byName.get(n);
    assert.ok(desc, n);
    assert.ok(desc.help.length > 0);
    assert.deepEqual(desc.label_keys.slice(0, 6), ['container', 'id', 'image', 'name', 'namespace', 'pod']);
  }
  assert.deepEqual(byName.get('container_network_receive_bytes_total')!.label_keys.slice(6), ['interface']);
});

test('Prometheus endpoint: off by default; when configured, RPC latency and error counts', async () => {
  const off = await start();
  // "rktlet is serving" is logged after the endpoint would have been started.
  while (!off.stderr.includes('rktlet is serving')) await sleep(20);
  assert.doesNotMatch(off.stderr, /serving Prometheus metrics/);

  const d = await start('[metrics]\naddress = "127.0.0.1:0"\n');
  const url = await metricsUrlOf(d);
  await d.client.runtime('Version', {});
  await d.client.runtime('Version', {});
  // A refused call: ContainerStats of an unknown id is NOT_FOUND (or UNIMPLEMENTED before stats land).
  const err = await d.client.runtime('ContainerStats', { container_id: 'nope' }).catch((e: unknown) => e);
  const code = (err as { code?: number }).code;
  assert.ok(code === grpcStatus.NOT_FOUND || code === grpcStatus.UNIMPLEMENTED, String(err));
  const body = await (await fetch(url)).text();
  assert.match(body, /rktlet_cri_request_duration_seconds_count\{method="Version"\} [2-9]/);
  assert.match(body, /rktlet_cri_requests_total\{method="Version",code="OK"\} [2-9]/);
  assert.match(body, /rktlet_cri_request_errors_total\{method="ContainerStats",code="(NOT_FOUND|UNIMPLEMENTED)"\} 1/);
  assert.match(body, /rktlet_image_pull_duration_seconds/);
  assert.match(body, /process_resident_memory_bytes/);
  assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
});

test('GetContainerEvents: several subscribers stay open; SIGTERM ends them promptly and cleanly', async () => {
  const d = await start();
  const streams = [d.client.runtimeStream('GetContainerEvents', {}), d.client.runtimeStream('GetContainerEvents', {})];
  const ended = streams.map(
    (s) =>
      new Promise<string>((resolve) => {
        s.on('data', () => undefined);
        s.once('end', () => resolve('end'));
        s.once('error', (e: Error & { code?: number }) => resolve(`error ${e.code}`));
      }),
  );
  // The daemon answers other calls while the streams are open.
  assert.equal((await d.client.runtime('Version', {})).runtime_name, 'rktlet');
  const code = await d.stop('SIGTERM');
  assert.equal(code, 0, d.stderr);
  const outcomes = await Promise.all(ended);
  for (const o of outcomes) assert.ok(o === 'end' || o.startsWith('error'), o);
  // Not held for the server's whole 10 s grace period by the open streams.
  assert.doesNotMatch(d.stderr, /calls still running after grace period/);
});

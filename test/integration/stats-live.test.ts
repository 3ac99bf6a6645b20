// Stats, metrics and events of real pods and containers (conmon + runc, CNI bridge, overlay
// rootfs from a registry image): the figures move when a container burns CPU and allocates
// memory, events reach several subscribers, Prometheus counts pods and containers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as Grpc } from '@grpc/grpc-js';
import { recordContainerEvents } from '../helpers/events.js';
import { containerEnv, createContainer, grpcError, runPod, waitExited, type ContainerEnv } from '../helpers/container-env.js';
import type { ContainerStats__Output } from '../../src/gen/runtime/v1/ContainerStats.js';

let env: ContainerEnv;
let metricsUrl = '';
before(async () => {
  // Writable-layer figures are sampled (stats.fs_usage_period_seconds): 1 s here, so the test
  // sees its write within a second or so rather than the default 10 s.
  env = await containerEnv({ daemon: { configToml: '[metrics]\naddress = "127.0.0.1:0"\n[stats]\nfs_usage_period_seconds = 1\n' } });
  for (;;) {
    // Logs are asynchronous: the line may arrive after the daemon answers.
    const m = /"address":"127\.0\.0\.1:(\d+)","msg":"serving Prometheus metrics/.exec(env.d.stderr);
    if (m) {
      metricsUrl = `http://127.0.0.1:${m[1]}/metrics`;
      break;
    }
    await sleep(20);
  }
});
after(async () => {
  await env?.close();
});

const n = (v: { value: string } | null | undefined) => BigInt(v?.value ?? '-1');
const MiB = 1024n * 1024n;

const subscribe = () => recordContainerEvents(env.d.dirs.socket);

async function containerStats(id: string): Promise<ContainerStats__Output> {
  return (await env.d.client.runtime('ContainerStats', { container_id: id })).stats!;
}

test('a container burning CPU and filling memory: stats, pod stats and metrics rise between two samples; events flow', async (t) => {
  const subs = [subscribe(), subscribe()];
  await sleep(100); // let both subscriptions reach the daemon before anything happens
  const pod = await runPod(env, { labels: { app: 'burner' } });
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', 'while :; do :; done'], labels: { role: 'burn' } });
  await env.d.client.runtime('StartContainer', { container_id: c.id });

  // Sample 1.
  const s1 = await containerStats(c.id);
  assert.equal(s1.attributes?.id, c.id);
  assert.equal(s1.attributes?.metadata?.name, c.name);
  assert.deepEqual(s1.attributes?.labels, { role: 'burn' });
  assert.ok(n(s1.cpu?.usage_core_nano_seconds) >= 0n);
  assert.ok(n(s1.memory?.usage_bytes) > 0n, JSON.stringify(s1.memory));
  assert.ok(n(s1.memory?.working_set_bytes) >= 0n);
  assert.ok(BigInt(s1.cpu!.timestamp) > 0n);
  assert.equal(s1.writable_layer?.fs_id?.mountpoint.endsWith('/snapshots/active'), true, JSON.stringify(s1.writable_layer));

  // Allocate 20 MiB of shared memory (charged to the container) and write 5 MiB to its rootfs.
  const fill = await env.d.client.runtime('ExecSync', {
    container_id: c.id,
    cmd: ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=20 2>/dev/null && dd if=/dev/zero of=/big bs=1M count=5 2>/dev/null && sync'],
    timeout: '30',
  });
  assert.equal(fill.exit_code, 0, Buffer.from(fill.stderr).toString());

  // Sample 2, once the rate has an interval to measure (a second at least) and the layer sampler
  // has walked the container's writable layer since the write (within about its period).
  let s2 = await containerStats(c.id);
  const until = Date.now() + 60_000;
  while (
    n(s2.cpu?.usage_nano_cores) <= 0n ||
    BigInt(s2.cpu!.timestamp) - BigInt(s1.cpu!.timestamp) < 1_000_000_000n ||
    (n(s2.writable_layer?.used_bytes) < n(s1.writable_layer?.used_bytes) + 4n * MiB && Date.now() < until)
  ) {
    await sleep(200);
    s2 = await containerStats(c.id);
  }
  assert.ok(n(s2.cpu?.usage_core_nano_seconds) > n(s1.cpu?.usage_core_nano_seconds), 'CPU time rose');
  // A busy loop on a 2-core host: well over a tenth of a core.
  assert.ok(n(s2.cpu?.usage_nano_cores) > 100_000_000n, `nano cores ${s2.cpu?.usage_nano_cores?.value}`);
  assert.ok(n(s2.memory?.working_set_bytes) >= n(s1.memory?.working_set_bytes) + 15n * MiB, `working set ${s1.memory?.working_set_bytes?.value} → ${s2.memory?.working_set_bytes?.value}`);
  assert.ok(n(s2.memory?.usage_bytes) >= n(s1.memory?.usage_bytes) + 15n * MiB);
  assert.ok(n(s2.memory?.page_faults) > n(s1.memory?.page_faults));
  assert.ok(n(s2.writable_layer?.used_bytes) >= n(s1.writable_layer?.used_bytes) + 4n * MiB, `layer ${s1.writable_layer?.used_bytes?.value} → ${s2.writable_layer?.used_bytes?.value}`);
  assert.ok(n(s2.writable_layer?.inodes_used) > n(s1.writable_layer?.inodes_used));
  assert.ok(BigInt(s2.memory!.timestamp) > BigInt(s1.memory!.timestamp));
  t.diagnostic(
    `sample1 → sample2: cpu ${s1.cpu?.usage_core_nano_seconds?.value} → ${s2.cpu?.usage_core_nano_seconds?.value} ns, ` +
      `nano_cores ${s2.cpu?.usage_nano_cores?.value}, working set ${s1.memory?.working_set_bytes?.value} → ${s2.memory?.working_set_bytes?.value}, ` +
      `layer ${s1.writable_layer?.used_bytes?.value} → ${s2.writable_layer?.used_bytes?.value} B, cpu psi ${JSON.stringify(s2.cpu?.psi)}, io psi ${JSON.stringify(s2.io?.psi)}`,
  );

  // List / stream / filters.
  const tl = performance.now();
  const all = await env.d.client.runtime('ListContainerStats', {});
  t.diagnostic(`ListContainerStats round trip: ${(performance.now() - tl).toFixed(1)} ms for ${all.stats.length} container(s)`);
  assert.ok(all.stats.some((x) => x.attributes?.id === c.id));
  const byPod = await env.d.client.runtime('ListContainerStats', { filter: { pod_sandbox_id: pod.id } });
  assert.deepEqual(byPod.stats.map((x) => x.attributes?.id), [c.id]);
  const byLabel = await env.d.client.runtime('ListContainerStats', { filter: { label_selector: { role: 'nope' } } });
  assert.deepEqual(byLabel.stats, []);
  const streamed = (await import('../../src/client/cri-client.js')).CriClient.collect(env.d.client.runtimeStream('StreamContainerStats', { filter: { id: c.id } }));
  const chunks = await streamed;
  assert.deepEqual(chunks.flatMap((x) => x.container_stats.map((s) => s.attributes?.id)), [c.id]);

  // Pod stats: its cgroup holds the container; network counters of the pod's eth0 move when
  // something reaches the pod IP (a TCP SYN answered by RST from the pod's namespace).
  const ps1 = (await env.d.client.runtime('PodSandboxStats', { pod_sandbox_id: pod.id })).stats!;
  assert.equal(ps1.attributes?.id, pod.id);
  assert.deepEqual(ps1.attributes?.labels, { app: 'burner' });
  assert.ok(n(ps1.linux?.cpu?.usage_core_nano_seconds) >= n(s2.cpu?.usage_core_nano_seconds), 'the pod cgroup counts its container');
  assert.ok(n(ps1.linux?.memory?.working_set_bytes) >= 15n * MiB);
  assert.ok(n(ps1.linux?.process?.process_count) >= 1n, JSON.stringify(ps1.linux?.process)); // sh (the pod has no infra by default)
  assert.deepEqual(ps1.linux?.containers?.map((x) => x.attributes?.id), [c.id]);
  const eth0 = ps1.linux?.network?.default_interface;
  assert.equal(eth0?.name, 'eth0', JSON.stringify(ps1.linux?.network));
  const podIp = (await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id })).status!.network!.ip;
  await new Promise<void>((resolve) => connect({ host: podIp, port: 1 }).once('error', () => resolve()).once('connect', function (this: import('node:net').Socket) {
    this.destroy();
    resolve();
  }));
  const ps2 = (await env.d.client.runtime('PodSandboxStats', { pod_sandbox_id: pod.id })).stats!;
  assert.ok(n(ps2.linux?.network?.default_interface?.rx_bytes) > n(eth0?.rx_bytes), 'rx bytes rose');
  assert.ok(n(ps2.linux?.network?.default_interface?.tx_bytes) > n(eth0?.tx_bytes), 'tx bytes rose');
  const pl = await env.d.client.runtime('ListPodSandboxStats', { filter: { id: pod.id } });
  assert.deepEqual(pl.stats.map((x) => x.attributes?.id), [pod.id]);
  assert.deepEqual((await env.d.client.runtime('ListPodSandboxStats', { filter: { label_selector: { app: 'other' } } })).stats, []);
  const pstream = (await (await import('../../src/client/cri-client.js')).CriClient.collect(env.d.client.runtimeStream('StreamPodSandboxStats', { filter: { id: pod.id } }))).flatMap((x) => x.pod_sandbox_stats);
  assert.deepEqual(pstream.map((x) => x.attributes?.id), [pod.id]);

  // Metrics: label values line up with the descriptors; figures match the stats.
  const desc = new Map((await env.d.client.runtime('ListMetricDescriptors', {})).descriptors.map((d) => [d.name, d.label_keys]));
  const pm = (await env.d.client.runtime('ListPodSandboxMetrics', {})).pod_metrics.find((x) => x.pod_sandbox_id === pod.id);
  assert.ok(pm);
  for (const m of [...pm.metrics, ...pm.container_metrics.flatMap((x) => x.metrics)]) {
    assert.equal(m.label_values.length, desc.get(m.name)?.length, m.name);
  }
  const cm = pm.container_metrics.find((x) => x.container_id === c.id)!;
  const cpuSeconds = cm.metrics.find((m) => m.name === 'container_cpu_usage_seconds_total');
  assert.equal(cpuSeconds?.metric_type, 'COUNTER');
  assert.equal(cpuSeconds?.label_values[0], c.name);
  assert.equal(cpuSeconds?.label_values[3], c.id);
  assert.ok(n(cm.metrics.find((m) => m.name === 'container_memory_working_set_bytes')?.value) >= 15n * MiB);
  assert.ok(pm.metrics.some((m) => m.name === 'container_network_receive_bytes_total' && m.label_values.at(-1) === 'eth0'));
  const ms = (await (await import('../../src/client/cri-client.js')).CriClient.collect(env.d.client.runtimeStream('StreamPodSandboxMetrics', {}))).flatMap((x) => x.pod_sandbox_metrics);
  assert.ok(ms.some((x) => x.pod_sandbox_id === pod.id));

  // Prometheus: pods and containers by state.
  const prom = await (await fetch(metricsUrl)).text();
  assert.match(prom, /rktlet_pods\{state="SANDBOX_READY"\} [1-9]/);
  assert.match(prom, /rktlet_containers\{state="CONTAINER_RUNNING"\} [1-9]/);
  assert.match(prom, /rktlet_cri_request_duration_seconds_count\{method="ContainerStats"\} [1-9]/);
  // Event-loop delay: a histogram fed every 20 ms since the endpoint started (issue 19).
  assert.match(prom, /rktlet_event_loop_delay_seconds_bucket\{le="0\.005"\} \d+/);
  assert.match(prom, /rktlet_event_loop_delay_seconds_count [1-9]/);

  // Events: both subscribers saw the container start with the pod and container statuses.
  for (const s of subs) {
    const created = await s.waitFor(c.id, 'CONTAINER_CREATED_EVENT');
    assert.equal(created.pod_sandbox_status?.id, pod.id);
    const started = await s.waitFor(c.id, 'CONTAINER_STARTED_EVENT');
    assert.ok(s.events.indexOf(created) < s.events.indexOf(started));
    assert.equal(started.pod_sandbox_status?.id, pod.id);
    assert.equal(started.pod_sandbox_status?.state, 'SANDBOX_READY');
    assert.ok(started.containers_statuses.some((x) => x.id === c.id));
    assert.ok(BigInt(started.created_at) > 0n);
  }
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '1' });
  for (const s of subs) {
    const stopped = await s.waitFor(c.id, 'CONTAINER_STOPPED_EVENT');
    assert.equal(stopped.containers_statuses.find((x) => x.id === c.id)?.state, 'CONTAINER_EXITED');
  }
  // An exited container: no cgroup figures, left out of the list.
  const gone = await containerStats(c.id);
  assert.equal(gone.cpu, null);
  assert.ok(!(await env.d.client.runtime('ListContainerStats', {})).stats.some((x) => x.attributes?.id === c.id));
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  for (const s of subs) await s.waitFor(c.id, 'CONTAINER_DELETED_EVENT');
  for (const s of subs) s.close();
});

test('an exit noticed by the monitor produces STOPPED even when nobody polls', async () => {
  const sub = subscribe();
  await sleep(100);
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', 'sleep 0.3; exit 4'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  // No ContainerStatus/ListContainers calls until the event has arrived.
  const e = await sub.waitFor(c.id, 'CONTAINER_STOPPED_EVENT');
  const st = e.containers_statuses.find((x) => x.id === c.id);
  assert.equal(st?.state, 'CONTAINER_EXITED');
  assert.equal(st?.exit_code, 4);
  sub.close();
  await waitExited(env, c.id);
});

test('Prometheus: image pulls counted with bytes and durations', async () => {
  const prom = await (await fetch(metricsUrl)).text();
  assert.match(prom, /rktlet_image_pulls_total\{result="success"\} [1-9]/);
  assert.match(prom, /rktlet_image_pull_bytes_total [1-9]/);
  assert.match(prom, /rktlet_image_pull_duration_seconds_count\{result="success"\} [1-9]/);
});

test('bad input: the right codes, and the daemon stays up', async () => {
  assert.equal((await grpcError(env.d.client.runtime('ContainerStats', { container_id: '' })))?.code, Grpc.INVALID_ARGUMENT);
  assert.equal((await grpcError(env.d.client.runtime('ContainerStats', { container_id: 'f'.repeat(64) })))?.code, Grpc.NOT_FOUND);
  assert.equal((await grpcError(env.d.client.runtime('PodSandboxStats', { pod_sandbox_id: '' })))?.code, Grpc.INVALID_ARGUMENT);
  assert.equal((await grpcError(env.d.client.runtime('PodSandboxStats', { pod_sandbox_id: 'f'.repeat(64) })))?.code, Grpc.NOT_FOUND);
  assert.deepEqual((await env.d.client.runtime('ListContainerStats', { filter: { id: 'f'.repeat(64) } })).stats, []);
  assert.equal((await env.d.client.runtime('Version', {})).runtime_name, 'rktlet');
});

// The kubelet's retries through the socket: a RunPodSandbox or CreateContainer whose client gave
// up (deadline) while the daemon kept working hands its object to the identical retry (waiting
// for the first call when it still runs, taking no lock when it is done), keeps it unlisted until
// then, removes it when no retry comes; other requests under the same name stay ALREADY_EXISTS.
// Then the CRI's idempotence: every Stop and Remove RPC on what is already stopped or gone, and
// on ids that never existed, answers OK.
//
// The slowness is real: a runtime handler whose binary is runc behind a `sleep` on `create` (the
// delay read from a file), used by pods with an infra (pod.drop_infra = false) and their
// containers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as Grpc } from '@grpc/grpc-js';
import { containerEnv, grpcError, type ContainerEnv } from '../helpers/container-env.js';

const KEEP_SECONDS = 4;
let env: ContainerEnv;
let wdir: string;

before(async () => {
  wdir = mkdtempSync(join(tmpdir(), 'rktlet-retries-'));
  const wrapper = join(wdir, 'slow-runc');
  writeFileSync(
    wrapper,
    ['#!/bin/sh', `for a in "$@"; do if [ "$a" = create ] && [ -s ${wdir}/delay ]; then sleep "$(cat ${wdir}/delay)"; fi; done`, 'exec /usr/sbin/runc "$@"', ''].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  env = await containerEnv({
    daemon: {
      configToml: [
        '[pod]',
        'drop_infra = false',
        '[runtime.handlers.runc]',
        'path = "/usr/sbin/runc"',
        '[runtime.handlers.slow]',
        `path = "${wrapper}"`,
        '[grpc]',
        `create_retry_keep_seconds = ${KEEP_SECONDS}`,
        '',
      ].join('\n'),
    },
  });
});
after(async () => {
  await env?.close();
  rmSync(wdir, { recursive: true, force: true });
});

function delay(seconds: number): void {
  writeFileSync(join(wdir, 'delay'), seconds ? String(seconds) : '');
}

let seq = 0;
function podConfig(name: string, labels: Record<string, string> = {}) {
  return {
    config: {
      metadata: { name, namespace: 'retry', uid: `uid-${name}`, attempt: 0 },
      labels,
      annotations: { 'kubernetes.io/config.seen': 'x', b: '2', a: '1' },
      log_directory: join(env.logRoot, name),
    },
    runtime_handler: 'slow',
  };
}

function containerReq(podId: string, name: string, variant = 'A') {
  return {
    pod_sandbox_id: podId,
    config: {
      metadata: { name, attempt: 0 },
      image: { image: env.image },
      command: ['sleep', '3600'],
      labels: { v: variant },
      log_path: `${name}/0.log`,
    },
    sandbox_config: { metadata: { name: 'x', namespace: 'retry', uid: 'x', attempt: 0 } },
  };
}

async function listedPods(name: string) {
  const items = (await env.d.client.runtime('ListPodSandbox', {})).items;
  return items.filter((p) => p.metadata?.name === name);
}

async function listedContainers(podId: string) {
  return (await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: podId } })).containers;
}

function podDirs(): string[] {
  return readdirSync(join(env.d.dirs.root, 'pods')).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

test('RunPodSandbox: a retry while the first still runs waits for it and gets its pod', async () => {
  const name = `wait-${++seq}`;
  delay(2);
  const first = await grpcError(env.d.client.runtime('RunPodSandbox', podConfig(name), { timeoutMs: 500 }));
  assert.equal(first?.code, Grpc.DEADLINE_EXCEEDED);
  assert.deepEqual(await listedPods(name), [], 'not listed while it is being made');
  const t = Date.now();
  const retry = await env.d.client.runtime('RunPodSandbox', podConfig(name), { timeoutMs: 20_000 });
  assert.ok(Date.now() - t > 500, 'the retry waited for the first call');
  const listed = await listedPods(name);
  assert.deepEqual(
    listed.map((p) => [p.id, p.state]),
    [[retry.pod_sandbox_id, 'SANDBOX_READY']],
    'one pod: the one the first call made',
  );
  // That client got its answer: an identical call now is a duplicate, refused as before.
  delay(0);
  const dup = await grpcError(env.d.client.runtime('RunPodSandbox', podConfig(name)));
  assert.equal(dup?.code, Grpc.ALREADY_EXISTS);
  assert.match(dup!.details, new RegExp(retry.pod_sandbox_id));
});

test('RunPodSandbox: a pod finished after its client gave up is kept unlisted for the identical retry; another config is ALREADY_EXISTS', async () => {
  const name = `kept-${++seq}`;
  delay(1.5);
  const before = new Set(podDirs());
  assert.equal((await grpcError(env.d.client.runtime('RunPodSandbox', podConfig(name), { timeoutMs: 400 })))?.code, Grpc.DEADLINE_EXCEEDED);
  await sleep(2000); // the first call finishes meanwhile
  delay(0);
  const made = podDirs().filter((d) => !before.has(d));
  assert.equal(made.length, 1, 'the first call made its pod');
  assert.deepEqual(await listedPods(name), [], 'kept unlisted: the kubelet must not adopt it');
  const other = await grpcError(env.d.client.runtime('RunPodSandbox', podConfig(name, { other: 'config' })));
  assert.equal(other?.code, Grpc.ALREADY_EXISTS, 'not the same request');
  // Map order on the wire differs between calls (Go): still the same request.
  const same = podConfig(name);
  same.config.annotations = { a: '1', b: '2', 'kubernetes.io/config.seen': 'x' };
  const t = Date.now();
  const retry = await env.d.client.runtime('RunPodSandbox', same);
  assert.ok(Date.now() - t < 1000, `handed over at once (${Date.now() - t} ms)`);
  assert.equal(retry.pod_sandbox_id, made[0]);
  assert.deepEqual((await listedPods(name)).map((p) => p.id), [made[0]]);
});

test('RunPodSandbox: a kept pod no retry claims is removed after grpc.create_retry_keep_seconds', async () => {
  const name = `unclaimed-${++seq}`;
  delay(1);
  const before = new Set(podDirs());
  assert.equal((await grpcError(env.d.client.runtime('RunPodSandbox', podConfig(name), { timeoutMs: 300 })))?.code, Grpc.DEADLINE_EXCEEDED);
  await sleep(1500);
  delay(0);
  const made = podDirs().filter((d) => !before.has(d));
  assert.equal(made.length, 1);
  const until = Date.now() + (KEEP_SECONDS + 10) * 1000;
  while (podDirs().includes(made[0]!) && Date.now() < until) await sleep(200);
  assert.ok(!podDirs().includes(made[0]!), 'removed once the keep time was up');
  assert.equal((await grpcError(env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: made[0]! })))?.code, Grpc.NOT_FOUND);
  // Its name is free again: the next identical call makes a new pod.
  const again = await env.d.client.runtime('RunPodSandbox', podConfig(name));
  assert.notEqual(again.pod_sandbox_id, made[0]);
});

test('CreateContainer: the kept container goes to the identical retry without waiting for the pod lock another create holds', async () => {
  delay(0);
  const pod = await env.d.client.runtime('RunPodSandbox', podConfig(`ctr-${++seq}`));
  const podId = pod.pod_sandbox_id;
  delay(1.5);
  assert.equal((await grpcError(env.d.client.runtime('CreateContainer', containerReq(podId, 'app'), { timeoutMs: 400 })))?.code, Grpc.DEADLINE_EXCEEDED);
  await sleep(2000);
  assert.deepEqual(await listedContainers(podId), [], 'kept unlisted');
  // Another create in the pod holds the pod's lock for 3 s.
  delay(3);
  const slow = env.d.client.runtime('CreateContainer', containerReq(podId, 'sidecar'), { timeoutMs: 30_000 });
  await sleep(300);
  const t = Date.now();
  const retry = await env.d.client.runtime('CreateContainer', containerReq(podId, 'app'), { timeoutMs: 20_000 });
  const ms = Date.now() - t;
  assert.ok(ms < 1500, `the retry did not wait for the pod's lock (${ms} ms)`);
  const other = await grpcError(env.d.client.runtime('CreateContainer', containerReq(podId, 'app', 'B'), { timeoutMs: 20_000 }));
  assert.equal(other?.code, Grpc.ALREADY_EXISTS, 'another config under the same name');
  await slow;
  delay(0);
  const listed = await listedContainers(podId);
  assert.deepEqual(listed.filter((c) => c.metadata?.name === 'app').map((c) => [c.id, c.state]), [[retry.container_id, 'CONTAINER_CREATED']]);
  await env.d.client.runtime('StartContainer', { container_id: retry.container_id });
  const st = await env.d.client.runtime('ContainerStatus', { container_id: retry.container_id });
  assert.equal(st.status?.state, 'CONTAINER_RUNNING');
});

test('CreateContainer: a retry while the first still runs waits for it and gets its container', async () => {
  delay(0);
  const pod = await env.d.client.runtime('RunPodSandbox', podConfig(`ctrw-${++seq}`));
  delay(2);
  const req = containerReq(pod.pod_sandbox_id, 'w');
  assert.equal((await grpcError(env.d.client.runtime('CreateContainer', req, { timeoutMs: 400 })))?.code, Grpc.DEADLINE_EXCEEDED);
  const retry = await env.d.client.runtime('CreateContainer', req, { timeoutMs: 20_000 });
  delay(0);
  const listed = await listedContainers(pod.pod_sandbox_id);
  assert.deepEqual(listed.map((c) => c.id), [retry.container_id], 'one container: the first call\'s');
});

test('Stop and Remove of what is already stopped or gone, and of ids that never existed, answer OK', async () => {
  delay(0);
  const c = env.d.client;
  const pod = await c.runtime('RunPodSandbox', podConfig(`idem-${++seq}`));
  const podId = pod.pod_sandbox_id;
  const running = (await c.runtime('CreateContainer', containerReq(podId, 'r'))).container_id;
  await c.runtime('StartContainer', { container_id: running });
  const created = (await c.runtime('CreateContainer', containerReq(podId, 'c'))).container_id;
  const exited = (await c.runtime('CreateContainer', { ...containerReq(podId, 'e'), config: { ...containerReq(podId, 'e').config, command: ['true'] } })).container_id;
  await c.runtime('StartContainer', { container_id: exited });
  for (let i = 0; i < 100; i++) {
    if ((await c.runtime('ContainerStatus', { container_id: exited })).status?.state === 'CONTAINER_EXITED') break;
    await sleep(50);
  }
  const never = 'f'.repeat(64);
  const calls: [string, () => Promise<unknown>][] = [];
  for (const id of [running, created, exited]) {
    calls.push([`StopContainer ${id} (1)`, () => c.runtime('StopContainer', { container_id: id, timeout: '0' })]);
    calls.push([`StopContainer ${id} (2)`, () => c.runtime('StopContainer', { container_id: id, timeout: '0' })]);
  }
  calls.push(['RemoveContainer (1)', () => c.runtime('RemoveContainer', { container_id: running })]);
  calls.push(['RemoveContainer (2)', () => c.runtime('RemoveContainer', { container_id: running })]);
  calls.push(['StopContainer removed', () => c.runtime('StopContainer', { container_id: running, timeout: '5' })]);
  calls.push(['StopContainer never', () => c.runtime('StopContainer', { container_id: never, timeout: '5' })]);
  calls.push(['RemoveContainer never', () => c.runtime('RemoveContainer', { container_id: never })]);
  calls.push(['StopPodSandbox (1)', () => c.runtime('StopPodSandbox', { pod_sandbox_id: podId })]);
  calls.push(['StopPodSandbox (2)', () => c.runtime('StopPodSandbox', { pod_sandbox_id: podId })]);
  calls.push(['StopContainer in a stopped pod', () => c.runtime('StopContainer', { container_id: created, timeout: '0' })]);
  calls.push(['RemovePodSandbox (1)', () => c.runtime('RemovePodSandbox', { pod_sandbox_id: podId })]);
  calls.push(['RemovePodSandbox (2)', () => c.runtime('RemovePodSandbox', { pod_sandbox_id: podId })]);
  calls.push(['StopPodSandbox removed', () => c.runtime('StopPodSandbox', { pod_sandbox_id: podId })]);
  calls.push(['RemoveContainer of a removed pod', () => c.runtime('RemoveContainer', { container_id: created })]);
  calls.push(['StopPodSandbox never', () => c.runtime('StopPodSandbox', { pod_sandbox_id: never })]);
  calls.push(['RemovePodSandbox never', () => c.runtime('RemovePodSandbox', { pod_sandbox_id: never })]);
  const failed: string[] = [];
  for (const [what, call] of calls) {
    const e = await grpcError(call());
    if (e) failed.push(`${what}: ${Grpc[e.code]} ${e.details}`);
  }
  assert.deepEqual(failed, [], 'every stop/remove of what is stopped or gone is OK');

  // Images: pulled, removed twice (by tag, by ID), and refs that never existed.
  const img = `${env.reg.host}/library/busybox:latest`;
  const st = await c.image('ImageStatus', { image: { image: img } });
  const imageId = st.image!.id;
  await c.image('RemoveImage', { image: { image: img } });
  await c.image('RemoveImage', { image: { image: img } });
  await c.image('RemoveImage', { image: { image: imageId } });
  await c.image('RemoveImage', { image: { image: `sha256:${'e'.repeat(64)}` } });
  await c.image('RemoveImage', { image: { image: 'never.example/none/such:tag' } });
  assert.ok(!(await c.image('ImageStatus', { image: { image: img } })).image, 'removed');
  await c.image('PullImage', { image: { image: img } }); // the other tests' image
});

// ImageFsInfo and the writable-layer figures of the stats calls come from a cache (issue 19:
// src/stats/fs-usage-cache.ts), not a walk per call. A cache must still be current: a pull shows
// in ImageFsInfo at once (the pull refreshes the image figure), and data a container writes shows
// in ListContainerStats, ContainerStats and ImageFsInfo within the sampler's period (1 s here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerEnv, createContainer, runPod, type ContainerEnv } from '../helpers/container-env.js';
import { pushBigImage } from '../helpers/registry.js';

const PERIOD_S = 1;
let env: ContainerEnv;
before(async () => {
  env = await containerEnv({ daemon: { configToml: `[stats]\nfs_usage_period_seconds = ${PERIOD_S}\n` } });
});
after(async () => {
  await env?.close();
});

const num = (v: { value: string } | null | undefined) => Number(v?.value ?? -1);

async function fsInfo() {
  const r = await env.d.client.image('ImageFsInfo', {});
  return { image: num(r.image_filesystems[0]?.used_bytes), containers: num(r.container_filesystems[0]?.used_bytes) };
}

/** Polls until `ok`, failing after `boundMs` (the sampler's bound plus slack for a busy host). */
async function within<T>(boundMs: number, read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<{ v: T; ms: number }> {
  const t0 = performance.now();
  for (;;) {
    const v = await read();
    if (ok(v)) return { v, ms: performance.now() - t0 };
    if (performance.now() - t0 > boundMs) assert.fail(`${what}: not seen within ${boundMs} ms (last ${JSON.stringify(v)})`);
    await sleep(100);
  }
}

test('a pull shows in ImageFsInfo at once, without waiting for the sampler', async (t) => {
  // A daemon whose sampler would not come round during the test: only the pull's refresh can show it.
  const slow = await containerEnv({ daemon: { configToml: '[stats]\nfs_usage_period_seconds = 3600\n' } });
  t.after(() => slow.close());
  const fsInfo = async () => num((await slow.d.client.image('ImageFsInfo', {})).image_filesystems[0]?.used_bytes);
  const before = await fsInfo();
  await fsInfo(); // cached now
  await pushBigImage(slow.reg, 'bench/big:fs', 4 * 1024 * 1024, 2);
  await slow.d.client.image('PullImage', { image: { image: `${slow.reg.host}/bench/big:fs` } });
  const after = await fsInfo();
  assert.ok(after >= before + 3 * 1024 * 1024, `image filesystem ${before} → ${after} bytes right after a 4 MiB pull`);
  await slow.d.client.image('RemoveImage', { image: { image: `${slow.reg.host}/bench/big:fs` } });
  const removed = await fsInfo();
  assert.ok(removed <= after - 3 * 1024 * 1024, `image filesystem ${after} → ${removed} bytes right after its removal`);
});

test('data a container writes shows in the stats and ImageFsInfo within the sampler period', async (t) => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const layer = async () => {
    const all = await env.d.client.runtime('ListContainerStats', { filter: { id: c.id } });
    return num(all.stats[0]?.writable_layer?.used_bytes);
  };
  const l0 = await layer();
  const f0 = await fsInfo();
  assert.ok(l0 >= 0, 'a fresh container has a writable-layer figure on the first ask');
  const w = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['sh', '-c', 'dd if=/dev/zero of=/data bs=1M count=6 2>/dev/null && sync'], timeout: '30' });
  assert.equal(w.exit_code, 0, Buffer.from(w.stderr).toString());
  const MiB = 1024 * 1024;
  // The bound: one period, plus the round's walking, plus slack for a host running other tests.
  const bound = PERIOD_S * 1000 * 10 + 5000;
  const seen = await within(bound, layer, (v) => v >= l0 + 5 * MiB, 'ListContainerStats writable layer');
  const single = num((await env.d.client.runtime('ContainerStats', { container_id: c.id })).stats?.writable_layer?.used_bytes);
  assert.ok(single >= l0 + 5 * MiB, `ContainerStats writable layer ${single}`);
  await within(bound, fsInfo, (v) => v.containers >= f0.containers + 5 * MiB, 'ImageFsInfo container filesystem');
  t.diagnostic(`writable layer ${l0} → ${seen.v} bytes, seen ${seen.ms.toFixed(0)} ms after the write (period ${PERIOD_S} s)`);
  // Removed: its figure leaves ImageFsInfo.
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '1' });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  await within(bound, fsInfo, (v) => v.containers <= f0.containers + MiB, 'ImageFsInfo container filesystem after the removal');
});

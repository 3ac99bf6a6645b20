// Soak (issue 17, item 5a): SOAK_CYCLES (default 1000) full pod+container lifecycles in a row
// through the socket: RunPodSandbox, CreateContainer, StartContainer, ExecSync, StopContainer,
// RemoveContainer, StopPodSandbox, RemovePodSandbox. The daemon's open fds, RSS and V8 heap are
// sampled after a full GC (forced through its inspector) at the start and every 100 cycles and
// must stay flat after warm-up; at the end nothing is left: mounts, network namespaces, pinned namespace files, pod
// cgroups, conmon processes, CNI IP allocations, records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerEnv, type ContainerEnv } from '../helpers/container-env.js';
import { heapAfterGc, inspectorUrl } from '../helpers/inspector.js';
import { leftovers } from '../helpers/leftovers.js';

// 1000 by default: about 300 ms a cycle on the idle 2-core box, 5 minutes (540 ms, 9 minutes, with
// other suites running beside it).
const CYCLES = Number(process.env.SOAK_CYCLES ?? 1000);
/** Cycles run before the baseline is taken: caches, the helper, JIT and pools fill up first. */
const WARMUP = Math.min(50, Math.floor(CYCLES / 10));
const EVERY = Number(process.env.SOAK_EVERY ?? 100);

let env: ContainerEnv;
let inspector: string;

before(async () => {
  env = await containerEnv({ daemon: { nodeArgs: ['--inspect=127.0.0.1:0'] } });
  inspector = inspectorUrl(env.d.stderr);
});
after(async () => {
  await env?.close();
});

interface Sample {
  cycle: number;
  fds: number;
  rssMiB: number;
  heapMiB: number;
}

async function sample(cycle: number): Promise<Sample> {
  const pid = env.d.proc.pid!;
  const heap = await heapAfterGc(inspector);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cycle, fds, rssMiB: +(rssKb / 1024).toFixed(1), heapMiB: +(heap / 2 ** 20).toFixed(1) };
}

test(`${CYCLES} pod+container lifecycles: fds, RSS and heap stay flat, nothing is left`, { timeout: 60 * 60_000 }, async () => {
  const c = env.d.client;
  const podIds: string[] = [];
  const samples: Sample[] = [await sample(0)];
  let baseline: Sample | undefined;
  const t0 = Date.now();
  for (let i = 1; i <= CYCLES; i++) {
    const name = `soak-${i}`;
    const pod = await c.runtime('RunPodSandbox', {
      config: { metadata: { name, namespace: 'soak', uid: `uid-${i}`, attempt: 0 }, hostname: name, log_directory: join(env.logRoot, name) },
    });
    const podId = pod.pod_sandbox_id;
    podIds.push(podId);
    const ctr = await c.runtime('CreateContainer', {
      pod_sandbox_id: podId,
      config: { metadata: { name: 'main', attempt: 0 }, image: { image: env.image }, command: ['sleep', '3600'], log_path: 'main.log' },
      sandbox_config: { metadata: { name, namespace: 'soak', uid: `uid-${i}`, attempt: 0 } },
    });
    const id = ctr.container_id;
    await c.runtime('StartContainer', { container_id: id });
    const ex = await c.runtime('ExecSync', { container_id: id, cmd: ['echo', `cycle-${i}`], timeout: 10 });
    assert.equal(ex.exit_code, 0);
    assert.equal(Buffer.from(ex.stdout).toString(), `cycle-${i}\n`);
    await c.runtime('StopContainer', { container_id: id, timeout: 0 });
    await c.runtime('RemoveContainer', { container_id: id });
    await c.runtime('StopPodSandbox', { pod_sandbox_id: podId });
    await c.runtime('RemovePodSandbox', { pod_sandbox_id: podId });
    if (i === WARMUP) baseline = await sample(i);
    if (i % EVERY === 0 || i === CYCLES) samples.push(await sample(i));
  }
  const seconds = (Date.now() - t0) / 1000;
  const last = samples[samples.length - 1]!;
  baseline ??= samples[0]!;
  console.log(`soak: ${CYCLES} cycles in ${seconds.toFixed(0)} s (${((seconds * 1000) / CYCLES).toFixed(0)} ms each); baseline after ${WARMUP}: ${JSON.stringify(baseline)}`);
  for (const s of samples) console.log(`soak: cycle ${s.cycle}: fds ${s.fds}, RSS ${s.rssMiB} MiB, heap ${s.heapMiB} MiB`);

  assert.ok(last.fds - baseline.fds <= 5, `fds grew from ${baseline.fds} to ${last.fds}`);
  // Sampled after a forced full GC, both are flat once warm: a run here (load 9) measured, from
  // cycle 50 to 500 to 1000, RSS 110.5 -> 113.3 -> 113.9 MiB and heap 24.8 -> 24.4 -> 24.9 MiB.
  // Without the forced GC a clean-clone CI run read the heap's sawtooth (34-60 MiB) and RSS
  // following it by 50 MiB, with nothing leaking. A leak grows with the cycles: 8 KiB of heap or
  // 32 KiB of RSS a cycle fails the second half.
  const half = samples.find((s) => s.cycle >= CYCLES / 2) ?? baseline;
  assert.ok(last.rssMiB - half.rssMiB < 16, `RSS grew from ${half.rssMiB} at cycle ${half.cycle} to ${last.rssMiB} MiB`);
  assert.ok(last.rssMiB - baseline.rssMiB < 40, `RSS grew from ${baseline.rssMiB} to ${last.rssMiB} MiB`);
  assert.ok(last.heapMiB - half.heapMiB < 4, `heap grew from ${half.heapMiB} at cycle ${half.cycle} to ${last.heapMiB} MiB`);
  assert.ok(last.heapMiB - baseline.heapMiB < 8, `heap grew from ${baseline.heapMiB} to ${last.heapMiB} MiB`);

  // Nothing left anywhere.
  assert.equal((await c.runtime('ListPodSandbox', {})).items.length, 0);
  assert.equal((await c.runtime('ListContainers', {})).containers.length, 0);
  assert.deepEqual(leftovers(env.d, podIds), []);
});

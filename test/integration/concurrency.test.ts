// 50 clients at once (issue 17, item 5b): each runs a seeded random mix of RunPodSandbox,
// CreateContainer, StartContainer, ExecSync, StopContainer, RemoveContainer, StopPodSandbox,
// RemovePodSandbox, lists and statuses on the same and different objects (few pod and container
// names, so they collide). Checked: every call answers within its deadline (no deadlock); the only
// errors are the CRI's race answers (NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION: never
// INTERNAL or UNKNOWN, which would mean an operation met a half-made or half-removed object); the
// final state matches the successful operations (nothing lost, nothing phantom); nothing is left
// once all is removed. CONCURRENCY_SEED replays a run; the seed is printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status as Grpc } from '@grpc/grpc-js';
import { containerEnv, type ContainerEnv } from '../helpers/container-env.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { leftovers } from '../helpers/leftovers.js';

const SEED = Number(process.env.CONCURRENCY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CLIENTS = Number(process.env.CONCURRENCY_CLIENTS ?? 50);
const OPS = Number(process.env.CONCURRENCY_OPS ?? 30);
const DEADLINE_MS = 90_000;
const ALLOWED = new Set([Grpc.OK, Grpc.NOT_FOUND, Grpc.ALREADY_EXISTS, Grpc.FAILED_PRECONDITION]);

let env: ContainerEnv;
before(async () => {
  env = await containerEnv();
});
after(async () => {
  await env?.close();
});


interface PodFacts {
  stopped: boolean;
  removed: boolean;
}
interface CtrFacts {
  pod: string;
  started: boolean;
  stopped: boolean;
  removed: boolean;
}

test(`${CLIENTS} clients at once on shared pods and containers: no deadlock, only race codes, final state consistent, nothing left`, { timeout: 20 * 60_000 }, async () => {
  console.log(`concurrency: CONCURRENCY_SEED=${SEED} (${CLIENTS} clients x ${OPS} operations)`);
  const c = env.d.client;
  const pods = new Map<string, PodFacts>();
  const ctrs = new Map<string, CtrFacts>();
  const codes = new Map<string, number>();
  const bad: string[] = [];
  let slowest = 0;

  async function call<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    const t0 = Date.now();
    try {
      const r = await f();
      codes.set(`${what} OK`, (codes.get(`${what} OK`) ?? 0) + 1);
      return r;
    } catch (err) {
      const e = err as { code?: number; details?: string };
      codes.set(`${what} ${Grpc[e.code ?? -1] ?? e.code}`, (codes.get(`${what} ${Grpc[e.code ?? -1] ?? e.code}`) ?? 0) + 1);
      if (e.code === undefined || !ALLOWED.has(e.code)) bad.push(`${what}: ${Grpc[e.code ?? -1] ?? e.code} ${e.details ?? String(err)}`);
      return undefined;
    } finally {
      slowest = Math.max(slowest, Date.now() - t0);
    }
  }
  const o = { timeoutMs: DEADLINE_MS };
  const podNames = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const ctrNames = ['x', 'y', 'z'];
  const podMeta = (n: string) => ({ name: `conc-${n}`, namespace: 'conc', uid: `uid-${n}`, attempt: 0 });

  async function client(k: number): Promise<void> {
    const r = seededRandom(SEED * 1000 + k);
    const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(r() * xs.length)] : undefined);
    for (let i = 0; i < OPS; i++) {
      const op = Math.floor(r() * 12);
      // Mostly objects still there (so starts and execs happen), sometimes any ever made (races with removal).
      const any = r() < 0.2;
      const podId = pick([...pods].filter(([, f]) => any || !f.removed).map(([id]) => id));
      const ctrId = pick([...ctrs].filter(([, f]) => any || !f.removed).map(([id]) => id));
      switch (op) {
        case 0:
        case 1: {
          const n = pick(podNames)!;
          const attempt = Math.floor(r() * 3);
          const res = await call('RunPodSandbox', () => c.runtime('RunPodSandbox', { config: { metadata: { ...podMeta(n), attempt }, hostname: n } }, o));
          if (res) pods.set(res.pod_sandbox_id, { stopped: false, removed: false });
          break;
        }
        case 2:
        case 3: {
          if (!podId) break;
          const n = pick(ctrNames)!;
          const res = await call('CreateContainer', () =>
            c.runtime(
              'CreateContainer',
              { pod_sandbox_id: podId, config: { metadata: { name: n, attempt: 0 }, image: { image: env.image }, command: ['sleep', '3600'] }, sandbox_config: { metadata: podMeta('x') } },
              o,
            ),
          );
          if (res) ctrs.set(res.container_id, { pod: podId, started: false, stopped: false, removed: false });
          break;
        }
        case 4:
          if (ctrId && (await call('StartContainer', () => c.runtime('StartContainer', { container_id: ctrId }, o)))) ctrs.get(ctrId)!.started = true;
          break;
        case 5:
          if (ctrId) await call('ExecSync', () => c.runtime('ExecSync', { container_id: ctrId, cmd: ['true'], timeout: 20 }, o));
          break;
        case 6:
          if (ctrId && (await call('StopContainer', () => c.runtime('StopContainer', { container_id: ctrId, timeout: 0 }, o)))) ctrs.get(ctrId)!.stopped = true;
          break;
        case 7:
          if (ctrId && (await call('RemoveContainer', () => c.runtime('RemoveContainer', { container_id: ctrId }, o)))) ctrs.get(ctrId)!.removed = true;
          break;
        case 8:
          if (podId && (await call('StopPodSandbox', () => c.runtime('StopPodSandbox', { pod_sandbox_id: podId }, o)))) pods.get(podId)!.stopped = true;
          break;
        case 9:
          if (podId && (await call('RemovePodSandbox', () => c.runtime('RemovePodSandbox', { pod_sandbox_id: podId }, o)))) pods.get(podId)!.removed = true;
          break;
        case 10:
          await call('ListPodSandbox', () => c.runtime('ListPodSandbox', {}, o));
          await call('ListContainers', () => c.runtime('ListContainers', {}, o));
          break;
        default:
          if (ctrId) await call('ContainerStatus', () => c.runtime('ContainerStatus', { container_id: ctrId }, o));
          if (podId) await call('PodSandboxStatus', () => c.runtime('PodSandboxStatus', { pod_sandbox_id: podId }, o));
      }
    }
  }

  const t0 = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
  const seconds = (Date.now() - t0) / 1000;
  const total = [...codes.values()].reduce((a, b) => a + b, 0);
  console.log(`concurrency: ${total} calls in ${seconds.toFixed(1)} s, slowest ${slowest} ms; ${pods.size} pods, ${ctrs.size} containers made`);
  console.log(`concurrency: ${[...codes].sort().map(([k, v]) => `${k}=${v}`).join(', ')}`);
  assert.deepEqual(bad, [], `CONCURRENCY_SEED=${SEED}`);

  // The final state against the successful operations.
  const listedPods = new Map((await c.runtime('ListPodSandbox', {})).items.map((p) => [p.id, p.state]));
  const listedCtrs = new Map((await c.runtime('ListContainers', {})).containers.map((x) => [x.id, x.state]));
  const wrong: string[] = [];
  for (const id of listedPods.keys()) if (!pods.has(id)) wrong.push(`pod ${id} listed but never created`);
  for (const id of listedCtrs.keys()) if (!ctrs.has(id)) wrong.push(`container ${id} listed but never created`);
  for (const [id, f] of pods) {
    const st = listedPods.get(id);
    if (f.removed && st) wrong.push(`pod ${id} removed but listed`);
    if (!f.removed && !st) wrong.push(`pod ${id} never removed but gone`);
    if (st && f.stopped && st !== 'SANDBOX_NOTREADY') wrong.push(`pod ${id} stopped but ${st}`);
    if (st && !f.stopped && st !== 'SANDBOX_READY') wrong.push(`pod ${id} never stopped but ${st}`);
  }
  for (const [id, f] of ctrs) {
    const st = listedCtrs.get(id);
    const pod = pods.get(f.pod)!;
    const gone = f.removed || pod.removed;
    if (gone && st) wrong.push(`container ${id} removed but listed ${st}`);
    if (!gone && !st) wrong.push(`container ${id} never removed but gone`);
    if (!st) continue;
    const stopped = f.stopped || pod.stopped;
    if (stopped && st === 'CONTAINER_RUNNING') wrong.push(`container ${id} stopped but running`);
    if (!stopped && f.started && st !== 'CONTAINER_RUNNING') wrong.push(`container ${id} started, never stopped, but ${st}`);
    if (!f.started && st === 'CONTAINER_RUNNING') wrong.push(`container ${id} never started but running`);
  }
  assert.deepEqual(wrong, [], `CONCURRENCY_SEED=${SEED}`);

  for (const id of listedPods.keys()) {
    await c.runtime('StopPodSandbox', { pod_sandbox_id: id });
    await c.runtime('RemovePodSandbox', { pod_sandbox_id: id });
  }
  assert.deepEqual(leftovers(env.d, pods.keys()), [], `CONCURRENCY_SEED=${SEED}`);
});

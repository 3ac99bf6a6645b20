// Crash consistency. A seeded kubelet-like workload (pods with and without an infra, containers
// created/started/exec'd/stopped/removed, images pulled and removed from a local registry, short
// deadlines, retries after errors) runs against a real daemon that is SIGKILLed at random: in the
// middle of a call (RunPodSandbox, CreateContainer, PullImage, RemovePodSandbox…, 0-150 ms after it
// was sent) or between calls, and restarted on the same state each time. After every restart the
// listing must match what really runs and nothing on the host may belong to no listed object
// (chaos-audit.ts); every interrupted operation, retried, must succeed. At the end everything is
// removed through the API and nothing of the daemon's is left on the host. The second test does
// the same with the daemonless CLI killed mid-verb beside a live daemon.
//
// CHAOS_SEED replays a run (the seed is printed); CHAOS_KILLS sets the daemon kills (default 200),
// CHAOS_CLI_KILLS the CLI kills (default 24).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RKTLET_BIN, runCli, TestDaemon } from '../helpers/daemon.js';
import { imageConfigToml, pushBusybox, pushImage, startRegistry, type Registry } from '../helpers/registry.js';
import { bigImage } from '../fixtures/busybox.js';
import { audit } from '../helpers/chaos-audit.js';
import type { AuditScope } from '../helpers/host-audit.js';
import { Workload, type Op } from '../helpers/chaos-workload.js';
import { seededRandom } from '../helpers/seeded-random.js';

const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(process.env.CHAOS_KILLS ?? 200);
const CLI_KILLS = Number(process.env.CHAOS_CLI_KILLS ?? 24);
process.stdout.write(`# chaos: CHAOS_SEED=${SEED} CHAOS_KILLS=${KILLS} CHAOS_CLI_KILLS=${CLI_KILLS}\n`);

let reg: Registry;
let d: TestDaemon;
let logRoot: string;
let baseImage: string;
let churnImages: string[];
let scope: AuditScope;

before(async () => {
  reg = await startRegistry();
  await pushBusybox(reg, 'library/busybox:latest');
  // Two images of two 3 MiB layers each over busybox: a pull takes long enough to be killed in.
  for (const name of ['chaos/one:1', 'chaos/two:1']) await pushImage(reg, name, await bigImage(6 * 1024 * 1024, 2));
  baseImage = `${reg.host}/library/busybox:latest`;
  churnImages = [`${reg.host}/chaos/one:1`, `${reg.host}/chaos/two:1`];
  const cgroupParent = `/rktlet-chaos-${process.pid}`;
  d = await TestDaemon.start({ configToml: `${imageConfigToml(reg)}[pod]\ndefault_cgroup_parent = "${cgroupParent}"\n[runtime]\nstop_kill_grace_seconds = 2\n` });
  scope = { dirs: d.dirs, network: d.dirs.bridge!, cgroupParent };
  logRoot = mkdtempSync(join(tmpdir(), 'rktlet-chaos-logs-'));
});

after(async () => {
  await d?.destroy();
  await reg?.stop();
  for (const ctl of readdirSync('/sys/fs/cgroup')) spawnSync('rmdir', [join('/sys/fs/cgroup', ctl, scope.cgroupParent)]);
  if (logRoot) rmSync(logRoot, { recursive: true, force: true });
});

/** Findings by kind (the text up to its first id or path), with the first example and a count. */
class Findings {
  readonly seen = new Map<string, { n: number; example: string; round: number }>();
  add(round: number, list: string[]): void {
    for (const f of list) {
      const kind = f.replace(/[0-9a-f]{12,}/g, 'ID').replace(/\/\S+/g, 'PATH').replace(/\d+/g, 'N');
      const cur = this.seen.get(kind);
      if (cur) cur.n++;
      else this.seen.set(kind, { n: 1, example: f, round });
    }
  }
  get count(): number {
    let n = 0;
    for (const v of this.seen.values()) n += v.n;
    return n;
  }
  report(): string {
    return [...this.seen.values()].map((v) => `  ${v.n}× (first after kill ${v.round}) ${v.example}`).join('\n');
  }
}

async function restart(): Promise<void> {
  d = await TestDaemon.start({ dirs: d.dirs });
}

async function kill(): Promise<void> {
  d.proc.kill('SIGKILL');
  await d.stop('SIGKILL');
}

/** Removes everything through the API, then audits with nothing listed: every finding is a leak. */
async function removeAllAndAudit(w: Workload, f: Findings, round: number): Promise<void> {
  const c = d.client;
  const l = await w.list(c);
  for (const x of l.ctrs) await c.runtime('RemoveContainer', { container_id: x.id });
  for (const p of l.pods) {
    await c.runtime('StopPodSandbox', { pod_sandbox_id: p.id });
    await c.runtime('RemovePodSandbox', { pod_sandbox_id: p.id });
  }
  for (const img of (await c.image('ListImages', {})).images) await c.image('RemoveImage', { image: { image: img.id } });
  const left = await w.list(c);
  assert.deepEqual([left.pods.length, left.ctrs.length, left.images.length], [0, 0, 0], 'everything was removed through the API');
  f.add(round, await audit(c, scope, { final: true }));
  const veths = readdirSync(`/sys/class/net/${scope.network}/brif`);
  if (veths.length) f.add(round, [`veths left on the bridge: ${veths.join(' ')}`]);
}

test(`daemon SIGKILLed ${KILLS} times, mid-call and between calls: listings match reality, nothing leaks, retries succeed`, { timeout: 20 * 60_000 }, async () => {
  const rand = seededRandom(SEED);
  const w = new Workload(rand, { baseImage, churnImages, logRoot, namespace: 'chaos' });
  await d.client.image('PullImage', { image: { image: baseImage } });
  const f = new Findings();
  const started = Date.now();
  let midCall = 0;
  const midKinds = new Map<string, number>();
  let pending: Op[] = [];
  const spent = { restart: 0, audit: 0 };
  for (let k = 1; k <= KILLS; k++) {
    let l = await w.list(d.client);
    for (let i = 1 + w.int(2); i > 0; i--) {
      const op = w.choose(l);
      // A kubelet's deadline, now and then too short for the call (then retried after the relist).
      if (await w.attempt(d.client, op, rand() < 0.1 ? 20 + w.int(200) : 30_000)) pending.push(op);
      l = await w.list(d.client);
    }
    let fired: Promise<void> | undefined;
    if (rand() < 0.7) {
      const op = w.choose(l, true);
      midCall++;
      midKinds.set(op.kind, (midKinds.get(op.kind) ?? 0) + 1);
      fired = w.attempt(d.client, op, 30_000).then((cut) => void (cut && pending.push(op)));
      await sleep(w.int(151));
    }
    await kill();
    await fired;
    let t = Date.now();
    await restart();
    spent.restart += Date.now() - t;
    t = Date.now();
    f.add(k, await audit(d.client, scope));
    spent.audit += Date.now() - t;
    for (const op of pending) await w.settle(d.client, op);
    pending = [];
  }
  f.add(KILLS + 1, await audit(d.client, scope));
  await removeAllAndAudit(w, f, KILLS + 1);
  const secs = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `# chaos daemon: seed ${SEED}, ${KILLS} kills (${midCall} mid-call: ${[...midKinds].map(([a, b]) => `${a} ${b}`).join(', ')}), ` +
      `${w.ops} operations, ${w.retries} retries, ${f.count} findings, ${w.unexpected.length} unexpected answers, ${secs} s ` +
      `(restarts ${Math.round(spent.restart / 1000)} s, audits ${Math.round(spent.audit / 1000)} s)\n${f.count ? f.report() + '\n' : ''}${unexpectedReport(w)}`,
  );
  const log = keepLog(f, w, 'daemon');
  assert.deepEqual(w.unexpected, [], `no unexpected answers${log}`);
  assert.equal(f.count, 0, `leaks or inconsistencies (replay with CHAOS_SEED=${SEED})${log}:\n${f.report()}`);
});

/** The unexpected answers, one a line, for the summary: a failing run says why in its own lines. */
function unexpectedReport(w: Workload): string {
  return w.unexpected.map((u) => `  unexpected: ${u}\n`).join('');
}

/** Keeps the daemon's log of a failing run (its debug lines name every step) and says where. */
function keepLog(f: Findings, w: Workload, what: string): string {
  if (!f.count && !w.unexpected.length) return '';
  const file = join(tmpdir(), `rktlet-chaos-${SEED}-${what}.log`);
  writeFileSync(file, d.stderr);
  return ` (the last daemon's log: ${file})`;
}

/** Starts a CLI verb and SIGKILLs it after `ms` (unless it finished first); resolves when it is gone. */
function cliKilledAfter(args: string[], ms: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [RKTLET_BIN, ...args], { stdio: 'ignore' });
    const t = setTimeout(() => p.kill('SIGKILL'), ms);
    p.once('exit', (_code, sig) => {
      clearTimeout(t);
      resolve({ killed: sig === 'SIGKILL' });
    });
  });
}

test(`CLI verbs SIGKILLed ${CLI_KILLS} times beside a live daemon: nothing leaks, retries succeed`, { timeout: 10 * 60_000 }, async () => {
  const rand = seededRandom(SEED ^ 0x5eed);
  const w = new Workload(rand, { baseImage, churnImages, logRoot, namespace: 'chaos-cli' });
  await d.client.image('PullImage', { image: { image: baseImage } });
  const g = ['--root', d.dirs.root, '--run-root', d.dirs.runRoot, '--config', d.dirs.config, '--log-level', 'error'];
  /**
   * Runs a verb to completion; it must succeed. `gone`: the verb stops or removes that object, and
   * "not found" is fine once the daemon no longer lists it either (the killed verb removed it, and
   * the daemon's view follows within its 2 s poll).
   */
  const cli = async (args: string[], gone?: () => Promise<boolean>) => {
    const r = await runCli([...g, ...args]);
    if (r.code === 0) return r;
    if (gone && /not found/.test(r.stderr)) {
      await sleep(2500);
      if (await gone()) return r;
    }
    w.unexpected.push(`rktlet ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
    return r;
  };
  const f = new Findings();
  let killed = 0;
  let seq = 0;
  const verbs = new Map<string, number>();
  while (killed < CLI_KILLS) {
    const l = await w.list(d.client);
    const mine = l.pods.filter((p) => p.name.startsWith('cli-'));
    const ready = mine.filter((p) => p.state === 'SANDBOX_READY');
    const ctrs = l.ctrs.filter((x) => mine.some((p) => p.id === x.podId));
    const r = rand();
    let verb: string[];
    let retry: () => Promise<unknown>;
    if (r < 0.3 || !ready.length) {
      const name = `cli-${++seq}`;
      verb = ['app', 'sandbox', '--name', name, '--namespace', 'chaos-cli', '--uid', `uid-${name}`];
      retry = async () => {
        const p = (await w.list(d.client)).pods.find((x) => x.name === name);
        if (p?.state === 'SANDBOX_READY') return;
        if (p) await cli(['pod', 'rm', p.id]);
        await cli(verb);
      };
    } else if (r < 0.55 && ctrs.length < 6) {
      const pod = w.pick(ready)!;
      const name = `app-${++seq}`;
      verb = ['app', 'add', pod.id, baseImage, '--name', name, '--', 'sleep', '3600'];
      retry = async () => {
        if ((await w.list(d.client)).ctrs.some((x) => x.podId === pod.id && x.name === name)) return;
        await cli(verb);
      };
    } else if (r < 0.7 && ctrs.some((x) => x.state === 'CONTAINER_CREATED')) {
      const x = w.pick(ctrs.filter((y) => y.state === 'CONTAINER_CREATED'))!;
      verb = ['app', 'start', x.podId, '--app', x.id];
      retry = async () => {
        if ((await w.list(d.client)).ctrs.find((y) => y.id === x.id)?.state === 'CONTAINER_CREATED') await cli(verb);
      };
    } else if (r < 0.8 && ctrs.length) {
      const x = w.pick(ctrs)!;
      verb = rand() < 0.5 ? ['app', 'stop', x.podId, '--app', x.id, '--timeout', '0'] : ['app', 'rm', x.podId, '--app', x.id];
      retry = async () => {
        if ((await w.list(d.client)).ctrs.some((y) => y.id === x.id)) await cli(verb, async () => !(await w.list(d.client)).ctrs.some((y) => y.id === x.id));
      };
    } else {
      const p = w.pick(mine)!;
      verb = ['pod', rand() < 0.3 ? 'stop' : 'rm', p.id];
      retry = async () => {
        if ((await w.list(d.client)).pods.some((y) => y.id === p.id)) await cli(verb, async () => !(await w.list(d.client)).pods.some((y) => y.id === p.id));
      };
    }
    w.ops++;
    // Node starts in about 0.4 s: kill anywhere from start-up to the end of most verbs.
    const { killed: k } = await cliKilledAfter([...g, ...verb], 250 + w.int(850));
    if (k) {
      killed++;
      const key = verb.slice(0, 2).join(' ');
      verbs.set(key, (verbs.get(key) ?? 0) + 1);
      // What the dead CLI left, seen through the live daemon (it re-reads the shared records).
      f.add(killed, await audit(d.client, scope));
      w.retries++;
      await retry();
    }
  }
  f.add(killed + 1, await audit(d.client, scope));
  await removeAllAndAudit(w, f, killed + 1);
  process.stdout.write(
    `# chaos CLI: seed ${SEED}, ${killed} CLI kills (${[...verbs].map(([a, b]) => `${a} ${b}`).join(', ')}), ${w.ops} verbs, ${f.count} findings, ${w.unexpected.length} unexpected answers\n${f.count ? f.report() + '\n' : ''}${unexpectedReport(w)}`,
  );
  const log = keepLog(f, w, 'cli');
  assert.deepEqual(w.unexpected, [], `no unexpected answers${log}`);
  assert.equal(f.count, 0, `leaks or inconsistencies (replay with CHAOS_SEED=${SEED})${log}:\n${f.report()}`);
});

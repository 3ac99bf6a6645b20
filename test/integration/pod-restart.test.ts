// Daemon-independent pods: SIGKILL the daemon and start it again on the same state; every pod is
// found with the same state and IPs, its infra never stopped; a pod whose infra died while the
// daemon was away comes back NOTREADY and can still be stopped and removed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestDaemon } from '../helpers/daemon.js';

const daemons: TestDaemon[] = [];
after(async () => {
  // The last daemon owns the shared state: it removes the pods and cleans the host.
  await daemons[daemons.length - 1]?.destroy();
});

function cfg(name: string) {
  return { metadata: { name, namespace: 'rs', uid: `uid-${name}`, attempt: 0 }, hostname: name, labels: { test: 'restart' } };
}

async function snapshot(d: TestDaemon) {
  const items = (await d.client.runtime('ListPodSandbox', {})).items.sort((a, b) => a.id.localeCompare(b.id));
  return Promise.all(
    items.map(async (p) => {
      const s = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: p.id, verbose: true });
      const info = JSON.parse(s.info.info!) as { pid: number };
      return { id: p.id, state: p.state, created_at: p.created_at, ip: s.status!.network!.ip, additional: s.status!.network!.additional_ips, pid: info.pid, name: p.metadata!.name };
    }),
  );
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

test('SIGKILL and restart change no pod state or IP; an infra that died meanwhile makes its pod NOTREADY', async () => {
  // Pods with an infra process (infra-less pods across a restart: pod-pinned-namespaces.test.ts).
  const d1 = await TestDaemon.start({ configToml: '[pod]\ndrop_infra = false\n' });
  daemons.push(d1);
  const [a, b, c] = await Promise.all(['alpha', 'beta', 'gamma'].map((n) => d1.client.runtime('RunPodSandbox', { config: cfg(n) })));
  await d1.client.runtime('StopPodSandbox', { pod_sandbox_id: c!.pod_sandbox_id });
  const before = await snapshot(d1);
  assert.equal(before.length, 3);
  assert.deepEqual(before.map((p) => p.state).sort(), ['SANDBOX_NOTREADY', 'SANDBOX_READY', 'SANDBOX_READY']);

  assert.equal(await d1.stop('SIGKILL'), null);
  // The pods do not depend on the daemon.
  for (const p of before.filter((x) => x.state === 'SANDBOX_READY')) assert.ok(alive(p.pid), `infra of ${p.name} survived`);

  const d2 = await TestDaemon.start({ dirs: d1.dirs });
  daemons.push(d2);
  assert.deepEqual(await snapshot(d2), before);
  // The names are still reserved after the restart.
  await assert.rejects(d2.client.runtime('RunPodSandbox', { config: cfg('alpha') }), /ALREADY_EXISTS|reserved/);

  // The infra of beta dies while no daemon runs.
  const beta = before.find((p) => p.id === b!.pod_sandbox_id)!;
  await d2.stop('SIGKILL');
  process.kill(beta.pid, 'SIGKILL');
  // And alpha looks like the daemon died in the middle of its CNI ADD (no result recorded).
  const alphaFile = join(d1.dirs.root, 'pods', a!.pod_sandbox_id, 'pod.json');
  const alphaRec = JSON.parse(readFileSync(alphaFile, 'utf8')) as Record<string, unknown>;
  delete alphaRec.cni;
  alphaRec.cniPending = true;
  writeFileSync(alphaFile, JSON.stringify(alphaRec));
  for (let i = 0; i < 200 && alive(beta.pid); i++) await new Promise((r) => setTimeout(r, 10));
  const d3 = await TestDaemon.start({ dirs: d1.dirs });
  daemons.push(d3);
  const after3 = await snapshot(d3);
  const expected = before.map((p) => (p.id === beta.id ? { ...p, state: 'SANDBOX_NOTREADY' } : p));
  assert.deepEqual(after3, expected);
  assert.ok(alive(before.find((p) => p.id === a!.pod_sandbox_id)!.pid), 'alpha keeps running');

  // A NOTREADY pod stops and goes away cleanly (its network is torn down).
  await d3.client.runtime('StopPodSandbox', { pod_sandbox_id: beta.id });
  await d3.client.runtime('RemovePodSandbox', { pod_sandbox_id: beta.id });
  assert.ok(!existsSync(`${d1.dirs.root}/pods/${beta.id}`));
  assert.deepEqual((await snapshot(d3)).map((p) => p.id).sort(), [a!.pod_sandbox_id, c!.pod_sandbox_id].sort());

  // alpha's unrecorded ADD is undone with the current config: its address and rules go.
  const alphaIp = before.find((p) => p.id === a!.pod_sandbox_id)!.ip;
  const ipFile = join(d1.dirs.root, 'cni', 'networks', d1.dirs.bridge!, alphaIp);
  assert.ok(existsSync(ipFile));
  await d3.client.runtime('StopPodSandbox', { pod_sandbox_id: a!.pod_sandbox_id });
  assert.ok(!existsSync(ipFile), 'host-local released the address');
  const nat = spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout;
  assert.ok(!nat.includes(a!.pod_sandbox_id), 'no NAT rule mentions the pod');
});

// Too many open files (issue 17, item 4b): the daemon runs with RLIMIT_NOFILE 128 (prlimit) and
// 200 idle connections to its socket take every descriptor it has left. A RunPodSandbox then fails
// with RESOURCE_EXHAUSTED saying so (it was INTERNAL with Node's bare "EMFILE: ..."), leaves no
// pod, no temp file, no descriptor behind; the daemon stays up, and once the connections go its
// descriptors are back where they were and the same call succeeds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as Grpc } from '@grpc/grpc-js';
import { TestDaemon } from '../helpers/daemon.js';
import { leftovers } from '../helpers/leftovers.js';

let d: TestDaemon;
before(async () => {
  d = await TestDaemon.start({ wrapper: ['prlimit', '--nofile=128:128', '--'] });
});
after(async () => {
  await d?.destroy();
});

const fds = (): number => readdirSync(`/proc/${d.proc.pid}/fd`).length;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

test('out of file descriptors: RESOURCE_EXHAUSTED, nothing kept, the daemon recovers', async () => {
  const c = d.client;
  const pod = { config: { metadata: { name: 'fd', namespace: 'fd', uid: 'uid-fd', attempt: 0 }, hostname: 'fd' } };
  await c.runtime('ListPodSandbox', {}); // the test's own connection is up before the flood
  const baseline = fds();
  const socks: Socket[] = [];
  for (let i = 0; i < 200; i++) socks.push(connect(d.dirs.socket).on('error', () => undefined));
  for (let i = 0; i < 100 && fds() < 127; i++) await sleep(50);
  assert.ok(fds() >= 127, `the flood took every descriptor (${fds()} open)`);

  await assert.rejects(c.runtime('RunPodSandbox', pod, { timeoutMs: 30_000 }), (err: { code: number; details: string }) => {
    assert.ok([Grpc.RESOURCE_EXHAUSTED, Grpc.UNAVAILABLE].includes(err.code), `${err.code} ${err.details}`);
    assert.match(err.details, /too many open files/);
    return true;
  });

  for (const s of socks) s.destroy();
  for (let i = 0; i < 100 && fds() > baseline + 2; i++) await sleep(50);
  assert.ok(fds() <= baseline + 2, `descriptors: ${baseline} before, ${fds()} after`);
  assert.equal(d.proc.exitCode, null, 'the daemon is up');
  assert.equal((await c.runtime('ListPodSandbox', {})).items.length, 0, 'the failed pod was rolled back');
  assert.deepEqual(walk(d.dirs.root).concat(walk(d.dirs.runRoot)).filter((f) => /\.tmp$|\.lock\.\d+\./.test(f)), [], 'temp files');

  const id = (await c.runtime('RunPodSandbox', pod)).pod_sandbox_id;
  await c.runtime('StopPodSandbox', { pod_sandbox_id: id });
  await c.runtime('RemovePodSandbox', { pod_sandbox_id: id });
  assert.deepEqual(leftovers(d, [id]), []);
});

// Issue 18's "done when" for user namespaces, as an operator would check it: the real crictl runs
// a `hostUsers: false`-style pod (userns_options mode POD with the kubelet's mappings) on crun with
// the nginx image critest uses (served by the kit's registry, ../shared/critest): nginx's master
// runs as the mapped root on the host and its worker as the mapped nginx user, the image's files
// keep their owners inside, and crictl exec, logs and port-forward work. Without crictl or the
// kit the file says so and skips (a failure under CI=true).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon } from '../helpers/daemon.js';
import { Crictl, findCrictl, forwardedPort, type Json } from '../helpers/crictl.js';
import { packageRoot } from '../../src/util/package-info.js';

const run = promisify(execFile);
const KIT = process.env.CRITEST_KIT ?? join(packageRoot, '..', 'shared', 'critest');
const found = findCrictl();
const missing = 'missing' in found ? found.missing : !existsSync(join(KIT, 'up.sh')) ? `no critest kit at ${KIT}` : undefined;
if (missing && process.env.CI === 'true') test('crictl and the critest kit are present in CI', () => assert.fail(`${missing}: CI must run the userns nginx test`));
const skip = missing ?? false;

// A host range of this run's own (the kubelet hands out multiples of 65536 above 65536).
const HOST_ID = 65536 * (3000 + (process.pid % 20000));
const mapping = [{ host_id: HOST_ID, container_id: 0, length: 65536 }];

let d: TestDaemon;
let crictl: Crictl;
let work: string;
let image: string;

function hostUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('nginx in a user-namespaced pod through crictl', { skip }, () => {
  before(async () => {
    // Starts the kit's registry on 127.0.0.1:5000 (building its images on first use).
    await run(join(KIT, 'up.sh'), [], { timeout: 40 * 60_000, maxBuffer: 64 << 20 });
    const tags = (await (await fetch('http://127.0.0.1:5000/v2/e2e-test-images/nginx/tags/list')).json()) as { tags: string[] };
    image = `127.0.0.1:5000/e2e-test-images/nginx:${tags.tags[0]}`;
    d = await TestDaemon.start({ configToml: '[runtime.handlers.crun]\npath = "/usr/bin/crun"\n[runtime.handlers.runc]\npath = "/usr/sbin/runc"\n' });
    work = join(d.dirs.base, 'userns-nginx');
    mkdirSync(join(work, 'logs'), { recursive: true });
    crictl = new Crictl((found as { path: string }).path, d.dirs.socket, work);
    await crictl.ok(['pull', image], { timeoutMs: 120_000 });
  });
  after(async () => {
    await d?.destroy().catch(() => undefined);
  });

  test('runp --runtime crun with userns mappings: nginx runs as the mapped ids, owners inside, exec, logs, port-forward', async () => {
    const pod: Json = {
      metadata: { name: 'userns-nginx', namespace: 'userns', uid: 'userns-nginx-uid', attempt: 0 },
      log_directory: join(work, 'logs'),
      linux: { security_context: { namespace_options: { network: 0, pid: 1, ipc: 0, userns_options: { mode: 0, uids: mapping, gids: mapping } } } },
    };
    const podFile = join(work, 'pod.json');
    writeFileSync(podFile, JSON.stringify(pod));
    const ctrFile = join(work, 'ctr.json');
    writeFileSync(ctrFile, JSON.stringify({ metadata: { name: 'nginx', attempt: 0 }, image: { image }, log_path: 'nginx.log' }));
    const podId = (await crictl.ok(['runp', '--runtime', 'crun', podFile], { timeoutMs: 60_000 })).trim();
    const id = (await crictl.ok(['create', podId, ctrFile, podFile], { timeoutMs: 60_000 })).trim();
    await crictl.ok(['start', id], { timeoutMs: 60_000 });

    // The master is the container's process: root inside, the mapped id on the host; its worker
    // runs as nginx's own user (101 in the image), mapped too.
    const info = await crictl.json(['inspect', id]);
    assert.equal(info.status.state, 'CONTAINER_RUNNING');
    const pid = info.info.pid as number;
    assert.equal(hostUid(pid), HOST_ID, 'the master runs as the mapped root on the host');
    let workers: number[] = [];
    for (let i = 0; i < 50 && !workers.length; i++) {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      workers = children.map(hostUid);
      if (!workers.length) await sleep(100);
    }
    assert.deepEqual(workers.length > 0 && workers.every((u) => u === HOST_ID + 101), true, `workers run as the mapped nginx user: ${workers.join(',')}`);

    // Inside: root, the image's files owned by root and nginx's cache by whoever nginx made it for.
    const inside = (await crictl.ok(['exec', '-s', id, 'sh', '-c', 'id -u; stat -c %u:%g /etc/nginx/nginx.conf /bin/sh'])).trim().split('\n');
    assert.deepEqual(inside, ['0', '0:0', '0:0']);

    // port-forward to nginx's port 80, and the request in its access log (crictl logs).
    const pf = crictl.start(['port-forward', podId, '0:80']);
    try {
      const { port } = await forwardedPort(pf, 80);
      const page = await (await fetch(`http://127.0.0.1:${port}/`, { headers: { 'user-agent': 'rktlet-userns-test' } })).text();
      assert.match(page, /Welcome to nginx/);
    } finally {
      pf.kill('SIGKILL');
    }
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('rktlet-userns-test'); i++) {
      logs = await crictl.ok(['logs', id]);
      if (!logs.includes('rktlet-userns-test')) await sleep(100);
    }
    assert.match(logs, /"GET \/ HTTP\/1\.1" 200 .*rktlet-userns-test/);

    await crictl.ok(['stopp', podId], { timeoutMs: 60_000 });
    await crictl.ok(['rmp', podId], { timeoutMs: 60_000 });
    assert.equal((await crictl.ok(['pods', '-q', '--id', podId])).trim(), '');
  });
});

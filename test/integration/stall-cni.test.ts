// A CNI plugin that hangs (issue 17, item 4c): RunPodSandbox fails within
// network.plugin_timeout_seconds (plus a little), names the plugin and rolls the pod back (no
// network namespace, no pinned IPC/UTS files, no record, the name free again); StopPodSandbox's DEL
// through a hanging plugin is bounded the same way; the hung plugin and the children it started
// are killed, not left behind holding the daemon's pipes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { status as Grpc } from '@grpc/grpc-js';
import { TestDaemon, makeDirs } from '../helpers/daemon.js';
import { sleepersWith } from '../helpers/processes.js';

const TIMEOUT_S = 2;
let d: TestDaemon;
let pluginDir: string;
/** A word on the hung children's command lines, to find them in /proc. */
const marker = `9${randomBytes(4).readUInt32BE(0)}`; // seconds of its sleep: a number nothing else sleeps

before(async () => {
  const dirs = makeDirs('rktlet-stall-cni-');
  pluginDir = join(dirs.base, 'plugins');
  mkdirSync(pluginDir);
  // ADD or DEL hangs while a file of that name exists; otherwise an empty 1.0.0 result. The sleep is
  // a child holding stdout, as a real plugin's helper would.
  writeFileSync(
    join(pluginDir, 'stall'),
    `#!/bin/sh\ncat >/dev/null\nif [ -e "${pluginDir}/hang-$CNI_COMMAND" ]; then sleep ${marker}; fi\necho '{"cniVersion":"1.0.0"}'\n`,
  );
  chmodSync(join(pluginDir, 'stall'), 0o755);
  writeFileSync(join(dirs.cniConfDir, '10-stall.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'stall', plugins: [{ type: 'stall' }] }));
  writeFileSync(
    dirs.config,
    ['[network]', `conf_dir = "${dirs.cniConfDir}"`, `plugin_dirs = ["${pluginDir}"]`, 'write_default_config = false', `plugin_timeout_seconds = ${TIMEOUT_S}`].join('\n'),
  );
  d = await TestDaemon.start({ dirs });
});

after(async () => {
  rmSync(join(pluginDir, 'hang-ADD'), { force: true });
  rmSync(join(pluginDir, 'hang-DEL'), { force: true });
  await d.destroy();
});

function pod(name: string) {
  return { config: { metadata: { name, namespace: 'stall', uid: `uid-${name}`, attempt: 0 }, hostname: name } };
}

/** The plugin's hung children. */
const hungChildren = (): number[] => sleepersWith(marker);

async function waitGone(what: () => number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  while (what().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return what();
}

test('a CNI ADD that hangs fails RunPodSandbox within the plugin timeout and rolls the pod back', async () => {
  writeFileSync(join(pluginDir, 'hang-ADD'), '');
  const t0 = Date.now();
  await assert.rejects(d.client.runtime('RunPodSandbox', pod('hang-add'), { timeoutMs: 60_000 }), (err: { code: number; details: string }) => {
    assert.equal(err.code, Grpc.FAILED_PRECONDITION, err.details);
    assert.match(err.details, /plugin type="stall".*(timed out|did not answer) after 2 s/);
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took < TIMEOUT_S * 1000 + 8_000, `RunPodSandbox took ${took} ms`);
  // Rolled back: no record, no namespace files, the name free.
  assert.equal((await d.client.runtime('ListPodSandbox', {})).items.length, 0);
  assert.deepEqual(readdirSync(join(d.dirs.root, 'pods')).filter((n) => !n.startsWith('.')), []);
  for (const dir of [join(d.dirs.runRoot, 'netns'), join(d.dirs.runRoot, 'pinned-ns')]) {
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], dir);
  }
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(d.dirs.base + '/run/netns/'), 'no netns mount left');
  assert.deepEqual(await waitGone(hungChildren, 3000), [], 'the hung plugin\'s children were killed');
  rmSync(join(pluginDir, 'hang-ADD'));
  const id = (await d.client.runtime('RunPodSandbox', pod('hang-add'))).pod_sandbox_id;
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: id });
});

test('a CNI DEL that hangs makes StopPodSandbox fail within the plugin timeout; it succeeds once the plugin answers', async () => {
  const id = (await d.client.runtime('RunPodSandbox', pod('hang-del'))).pod_sandbox_id;
  writeFileSync(join(pluginDir, 'hang-DEL'), '');
  const t0 = Date.now();
  await assert.rejects(d.client.runtime('StopPodSandbox', { pod_sandbox_id: id }, { timeoutMs: 60_000 }), (err: { code: number; details: string }) => {
    // INTERNAL, as pod-network.test pins for any DEL failure (the kubelet retries the stop).
    assert.equal(err.code, Grpc.INTERNAL, err.details);
    assert.match(err.details, /plugin type="stall".*(timed out|did not answer) after 2 s/);
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took < TIMEOUT_S * 1000 + 8_000, `StopPodSandbox took ${took} ms`);
  assert.deepEqual(await waitGone(hungChildren, 3000), [], 'the hung plugin\'s children were killed');
  rmSync(join(pluginDir, 'hang-DEL'));
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: id });
  assert.equal((await d.client.runtime('ListPodSandbox', {})).items.length, 0);
});

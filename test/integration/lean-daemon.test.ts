// A lean daemon (issue 19, item 3): what an idle `rktlet serve` holds. It runs with its V8
// options (src/cli/daemon-node-flags.ts), re-executed in place so the pid its starter knows is
// the daemon's; and it has not loaded the code that only some calls need (Node's bundled undici,
// the yaml and tar-stream packages), which would stay in its heap for its whole life.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TestDaemon } from '../helpers/daemon.js';
import { inspectorUrl, loadedScripts } from '../helpers/inspector.js';

function nodeOptions(pid: number): string[] {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return argv.slice(1, argv.findIndex((a) => a.endsWith('/bin/rktlet')));
}

test('the idle daemon runs with its V8 options and without the modules only some calls load', async (t) => {
  const d = await TestDaemon.start({ nodeArgs: ['--inspect=127.0.0.1:0'] });
  t.after(() => d.destroy());
  const pid = d.proc.pid!;
  // The pid TestDaemon spawned is the daemon answering on the socket, with the options.
  assert.deepEqual(nodeOptions(pid), ['--max-semi-space-size=2', '--inspect=127.0.0.1:0']);
  await d.client.runtime('Version', {});
  await d.client.runtime('Status', {});
  const scripts = await loadedScripts(inspectorUrl(d.stderr));
  assert.ok(scripts.some((u) => u.endsWith('/dist/src/cli/serve.js')), `the inspector reached another process:\n${scripts.slice(0, 20).join('\n')}`);
  const held = scripts.filter((u) => u === 'node:internal/deps/undici/undici' || /\/node_modules\/(yaml|tar-stream|undici|ws|prom-client)\//.test(u));
  assert.deepEqual(held, [], 'loaded by an idle daemon');
});

test('a V8 option given to node by whoever starts the daemon wins over its own', async (t) => {
  const d = await TestDaemon.start({ nodeArgs: ['--max-semi-space-size=8'] });
  t.after(() => d.destroy());
  assert.deepEqual(nodeOptions(d.proc.pid!), ['--max-semi-space-size=8']);
  await d.client.runtime('Version', {});
});

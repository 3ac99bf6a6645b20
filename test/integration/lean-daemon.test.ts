// A lean daemon (issue 19, item 3): what an idle `rktlet serve` holds. It has not loaded the code
// that only some calls need (Node's bundled undici, the yaml and tar-stream packages), which would
// stay in its heap for its whole life.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon.js';
import { inspectorUrl, loadedScripts } from '../helpers/inspector.js';

test('the idle daemon has not loaded the modules only some calls need', async (t) => {
  const d = await TestDaemon.start({ nodeArgs: ['--inspect=127.0.0.1:0'] });
  t.after(() => d.destroy());
  await d.client.runtime('Version', {});
  await d.client.runtime('Status', {});
  const scripts = await loadedScripts(inspectorUrl(d.stderr));
  assert.ok(scripts.some((u) => u.endsWith('/dist/src/cli/serve.js')), `the inspector reached another process:\n${scripts.slice(0, 20).join('\n')}`);
  const held = scripts.filter((u) => u === 'node:internal/deps/undici/undici' || /\/node_modules\/(yaml|tar-stream|undici|ws|prom-client)\//.test(u));
  assert.deepEqual(held, [], 'loaded by an idle daemon');
});

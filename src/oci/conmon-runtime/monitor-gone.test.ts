import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorGone, monitorRunning } from './monitor-gone.js';
import { tempDir } from '../../util/test-temp-dir.js';
import { deadPid } from '../../util/test-dead-pid.js';

test('a container whose conmon is gone (or was never one) has nobody to report its exit', async (t) => {
  const dir = tempDir('rktlet-monitor-');
  const rec = { bundle: dir, pid: 0, createdAtNs: '0' };
  // No pid file and no recorded process: nothing to tell by.
  assert.equal(await monitorGone(rec), false);
  // A live process named conmon: still there.
  const fake = join(dir, 'conmon');
  copyFileSync(spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), fake);
  const child = spawn(fake, ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((res) => child.once('spawn', res));
  // conmon writes its pid file once per bundle: one bundle per case.
  const bundle = (pid: number) => {
    const b = tempDir('rktlet-monitor-');
    writeFileSync(join(b, 'conmon.pid'), `${pid}\n`);
    return { ...rec, bundle: b };
  };
  assert.equal(await monitorGone(bundle(child.pid!)), false);
  // A pid that is no conmon (ours), or a dead one: gone.
  assert.equal(await monitorGone(bundle(process.pid)), true);
  assert.equal(await monitorGone(bundle(deadPid())), true);
  // monitorRunning: a live conmon by its pid file only (a create it runs may still be on its way).
  assert.equal(await monitorRunning(bundle(child.pid!).bundle), true);
  assert.equal(await monitorRunning(bundle(process.pid).bundle), false);
  assert.equal(await monitorRunning(bundle(deadPid()).bundle), false);
  assert.equal(await monitorRunning(dir), false);
});

test('without a pid file, a recorded container process that is gone says so', async () => {
  const dir = tempDir('rktlet-monitor-');
  assert.equal(await monitorGone({ bundle: dir, pid: deadPid(), createdAtNs: '0' }), true);
  assert.equal(await monitorGone({ bundle: dir, pid: process.pid, createdAtNs: '0' }), false);
});

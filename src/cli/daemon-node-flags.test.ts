import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { daemonArgv, DAEMON_V8_FLAGS } from './daemon-node-flags.js';
import { packageRoot } from '../util/package-info.js';

test('the daemon is re-executed with its V8 options before the ones it was given, once', () => {
  assert.deepEqual(DAEMON_V8_FLAGS, ['--max-semi-space-size=2']);
  const argv = daemonArgv('/node', ['--inspect=127.0.0.1:0'], ['/node', '/x/bin/rktlet', 'serve', '--root', '/r']);
  assert.deepEqual(argv, ['/node', '--max-semi-space-size=2', '--inspect=127.0.0.1:0', '/x/bin/rktlet', 'serve', '--root', '/r']);
  // The re-executed process has them: no second round.
  assert.equal(daemonArgv('/node', argv!.slice(1, 3), ['/node', '/x/bin/rktlet', 'serve']), undefined);
});

test('an option already given wins, whatever its value or spelling', () => {
  assert.equal(daemonArgv('/node', ['--max-semi-space-size=16'], ['/node', 'bin/rktlet', 'serve']), undefined);
  assert.equal(daemonArgv('/node', ['--max_semi_space_size=16'], ['/node', 'bin/rktlet', 'serve']), undefined);
  assert.deepEqual(daemonArgv('/node', ['--max-old-space-size=64'], ['/node', 'bin/rktlet', 'serve'], ['--a=1', '--max-old-space-size=32']), ['/node', '--a=1', '--max-old-space-size=64', 'bin/rktlet', 'serve']);
});

test('a node that may not execve (permission model) runs the daemon command as it is, saying so', () => {
  const r = spawnSync(process.execPath, ['--permission', '--allow-fs-read=*', join(packageRoot, 'bin', 'rktlet'), 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /run the CRI daemon/);
  assert.match(r.stderr, /running without the daemon's V8 options \(--max-semi-space-size=2\)/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_NODE_MAJOR, nodeTooOld, privateCacheDir } from './boot.js';
import { packageRoot, packageVersion } from '../util/package-info.js';

const BIN = join(packageRoot, 'bin', 'rktlet');

test('a Node.js older than the pinned line is refused with a message naming the set-up script', () => {
  assert.match(nodeTooOld('20.20.2') ?? '', /needs Node\.js 24 or later, and this is 20\.20\.2: scripts\/setup-host\.sh installs/);
  assert.equal(nodeTooOld('24.22.3'), undefined);
  assert.equal(nodeTooOld('26.12.1'), undefined);
  assert.equal(MIN_NODE_MAJOR, 24);
  // This very process runs on a supported line (the test command runs the pinned one).
  assert.equal(nodeTooOld(process.versions.node), undefined);
});

test('the compile cache directory is used only when it and its parent are private to the user', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'rktlet-cc-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const uid = process.geteuid!();
  // Missing: made 0700, parents too.
  const dir = join(base, 'cache', 'node');
  assert.equal(privateCacheDir(dir, uid), true);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(base, 'cache')).mode & 0o777, 0o700);
  // Someone else's: refused.
  assert.equal(privateCacheDir(dir, uid + 1), false);
  // Readable or writable by others: refused, and left as it is.
  chmodSync(dir, 0o755);
  assert.equal(privateCacheDir(dir, uid), false);
  assert.equal(statSync(dir).mode & 0o777, 0o755);
  chmodSync(dir, 0o700);
  // In a directory others may write (they could swap it): refused.
  chmodSync(join(base, 'cache'), 0o777);
  assert.equal(privateCacheDir(dir, uid), false);
  chmodSync(join(base, 'cache'), 0o700);
  // A symlink to a private directory: refused.
  const real = join(base, 'cache', 'real');
  mkdirSync(real, { mode: 0o700 });
  symlinkSync(real, join(base, 'cache', 'link'));
  assert.equal(privateCacheDir(join(base, 'cache', 'link'), uid), false);
  assert.equal(privateCacheDir(dir, uid), true);
});

test('bin/rktlet runs as a program (sh execs the pinned Node.js) and as `node bin/rktlet`', (t) => {
  const asProgram = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(asProgram.status, 0, asProgram.stderr);
  assert.equal(asProgram.stdout.trim(), packageVersion);
  const asScript = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(asScript.status, 0, asScript.stderr);
  assert.equal(asScript.stdout.trim(), packageVersion);
  // Debian's or NodeSource's node, when it is older than the pinned line, is refused plainly.
  const host = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (host.status !== 0 || !nodeTooOld(host.stdout.trim())) {
    t.diagnostic('no Node.js older than 24 at /usr/bin/node: the refusal is not exercised');
    return;
  }
  const old = spawnSync('/usr/bin/node', [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(old.status, 1);
  assert.match(old.stderr, /rktlet needs Node\.js 24 or later, and this is \d+\./);
});

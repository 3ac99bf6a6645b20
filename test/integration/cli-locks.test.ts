// The per-pod/per-container lock files hold across processes (the daemon and CLI verbs): several
// processes hammering one key, starting from a stale lock a dead process left, never overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package-info.js';

const worker = `
import { FileLocks } from ${JSON.stringify(join(packageRoot, 'dist', 'src', 'store', 'file-locks.js'))};
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
const [dir, log] = process.argv.slice(1);
const locks = new FileLocks(dir);
for (let i = 0; i < 15; i++) {
  await locks.with('k', async () => {
    appendFileSync(log, '+' + process.pid + '\\n');
    await sleep(Math.random() * 3);
    appendFileSync(log, '-' + process.pid + '\\n');
  });
}
`;

test('lock files: one holder at a time across processes, a dead holder taken over once', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rktlet-locks-'));
  try {
    const dir = join(base, 'locks');
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'k.lock'), dead);
    const log = join(base, 'log');
    writeFileSync(log, '');
    const codes = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', worker, dir, log], { stdio: 'inherit' }).once('exit', resolve))),
    );
    assert.deepEqual(codes, [0, 0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 5 * 15 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      assert.ok(lines[i]!.startsWith('+'), `line ${i}: ${lines[i]}`);
      assert.equal(lines[i + 1], '-' + lines[i]!.slice(1), `overlap at line ${i}`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

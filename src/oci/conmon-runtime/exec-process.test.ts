import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execProcess, writeExecProcess } from './exec-process.js';

const proc = {
  terminal: false,
  consoleSize: { height: 24, width: 80 },
  user: { uid: 1001, gid: 0, additionalGids: [4242] },
  args: ['sleep', '1000'],
  env: ['PATH=/bin', 'A=1'],
  cwd: '/srv',
  capabilities: { bounding: ['CAP_CHOWN'] },
  noNewPrivileges: true,
};

test("an exec's process is the container's with the command and the exec's terminal", () => {
  assert.deepEqual(execProcess(proc, ['id', '-u'], true), {
    terminal: true,
    user: { uid: 1001, gid: 0, additionalGids: [4242] },
    args: ['id', '-u'],
    env: ['PATH=/bin', 'A=1'],
    cwd: '/srv',
    capabilities: { bounding: ['CAP_CHOWN'] },
    noNewPrivileges: true,
  });
});

test('the file is written from the bundle, private', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exec-process-'));
  try {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: proc }));
    const file = await writeExecProcess(dir, ['ls'], false, join(dir, 'out'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const p = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(p.args, ['ls']);
    assert.deepEqual(p.user, proc.user);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

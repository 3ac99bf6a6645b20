import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oomCounterFiles, parseOomKills, readExitFile } from './exit-files.js';

test('oom counters (v1 oom_control, v2 memory.events)', () => {
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(parseOomKills('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n'), 1);
  assert.equal(parseOomKills('oom 1\n'), 0);
  assert.deepEqual(oomCounterFiles('/rktlet/p/c', '/cg'), ['/cg/memory/rktlet/p/c/memory.oom_control', '/cg/rktlet/p/c/memory.events']);
  assert.deepEqual(oomCounterFiles('kubepods-besteffort-pod1.slice:rktlet:abc', '/cg'), [
    '/cg/memory/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/rktlet-abc.scope/memory.oom_control',
    '/cg/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/rktlet-abc.scope/memory.events',
  ]);
  assert.deepEqual(oomCounterFiles('garbage'), []);
});

test('exit files: code, mtime as finish time, oom from conmon or the cgroup', async () => {
  const d = mkdtempSync(join(tmpdir(), 'exit-files-'));
  try {
    const exits = join(d, 'exits');
    const bundle = join(d, 'bundle');
    mkdirSync(exits);
    mkdirSync(bundle);
    assert.equal(await readExitFile(exits, 'c1', bundle), undefined);
    writeFileSync(join(exits, 'c1'), '');
    assert.equal(await readExitFile(exits, 'c1', bundle), undefined, 'empty: still being written');
    writeFileSync(join(exits, 'c1'), '7');
    const r = await readExitFile(exits, 'c1', bundle);
    assert.equal(r?.exitCode, 7);
    assert.equal(r?.oomKilled, false);
    assert.ok(BigInt(r!.finishedAtNs) > 1_600_000_000_000_000_000n);
    const counter = join(d, 'memory.oom_control');
    writeFileSync(counter, 'oom_kill 1\n');
    assert.equal((await readExitFile(exits, 'c1', bundle, [counter]))?.oomKilled, true);
    writeFileSync(join(bundle, 'oom'), '');
    assert.equal((await readExitFile(exits, 'c1', bundle))?.oomKilled, true);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

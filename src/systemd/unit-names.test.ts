import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cgEscape, escapeUnitNamePart, expandSlice, trySliceDir, unitDir } from './unit-names.js';

// systemd's own cases (src/test/test-cgroup-util.c, TEST(slice_to_path)); systemd's paths have no
// leading "/" and the root slice is "", ours are absolute and the root slice is "/".
const SYSTEMD_OK: [string, string][] = [
  ['foobar.slice', '/foobar.slice'],
  ['foobar-waldo.slice', '/foobar.slice/foobar-waldo.slice'],
  ['-.slice', '/'],
  ['a-b.slice', '/a.slice/a-b.slice'],
  ['a-b-c-d-e.slice', '/a.slice/a-b.slice/a-b-c.slice/a-b-c-d.slice/a-b-c-d-e.slice'],
];
const SYSTEMD_EINVAL = [
  'foobar-waldo.service', '--.slice', '-', '-foo-.slice', '-foo.slice', 'foo-.slice', 'foo--bar.slice',
  'foo.slice/foo--bar.slice', 'foobar@.slice', 'foobar@waldo.slice', 'foobar@waldo.service', '-foo@-.slice',
  '-foo@.slice', 'foo@-.slice', 'foo@@bar.slice', 'foo.slice/foo@@bar.slice',
];

test("slice expansion follows systemd's cg_slice_to_path cases", () => {
  for (const [slice, path] of SYSTEMD_OK) assert.equal(expandSlice(slice), path, slice);
  for (const bad of SYSTEMD_EINVAL) assert.throws(() => expandSlice(bad), /not a valid systemd slice name/, bad);
});

test('the kubelet slice names expand', () => {
  assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(
    expandSlice('kubepods-burstable-pod1f0e_4c2a_9d3b.slice'),
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f0e_4c2a_9d3b.slice',
  );
  assert.equal(expandSlice('kubepods.slice'), '/kubepods.slice');
  for (const bad of ['', 'kubepods', '/kubepods.slice', '.slice', 'a b.slice', `${'a'.repeat(250)}.slice`]) {
    assert.throws(() => expandSlice(bad), /slice/, bad);
  }
  assert.equal(trySliceDir('a--b.slice'), undefined);
  assert.equal(trySliceDir('a-b.slice'), '/a.slice/a-b.slice');
});

test('cgroup names that clash with cgroupfs files are escaped as systemd does (cg_escape)', () => {
  assert.equal(cgEscape('kubepods.slice'), 'kubepods.slice');
  for (const clash of ['cpu.slice', 'memory.slice', 'cgroup.slice', '_x.slice', '.x', 'tasks', 'bpf-firewall.slice']) {
    assert.equal(cgEscape(clash), `_${clash}`);
  }
  assert.equal(cgEscape('cpus.slice'), 'cpus.slice');
  // Only the clashing level is escaped: "cpu-x.slice" lives in "_cpu.slice".
  assert.equal(expandSlice('cpu-x.slice'), '/_cpu.slice/cpu-x.slice');
});

test('a unit inside a slice', () => {
  assert.equal(unitDir('kubepods-pod1.slice', 'rktlet-abc.scope'), '/kubepods.slice/kubepods-pod1.slice/rktlet-abc.scope');
  assert.equal(unitDir('-.slice', 'init.scope'), '/init.scope');
  assert.throws(() => unitDir('a--b.slice', 'x.scope'), /slice/);
});

test('unit name escaping is systemd-escape', () => {
  // Expected values printed by `systemd-escape` (systemd 252).
  assert.equal(escapeUnitNamePart('abc123'), 'abc123');
  assert.equal(escapeUnitNamePart('a-b'), 'a\\x2db');
  assert.equal(escapeUnitNamePart('a/b'), 'a-b');
  assert.equal(escapeUnitNamePart('.hidden'), '\\x2ehidden');
  assert.equal(escapeUnitNamePart('a.b:c_d'), 'a.b:c_d');
  assert.equal(escapeUnitNamePart('ü'), '\\xc3\\xbc');
  assert.equal(escapeUnitNamePart('a b'), 'a\\x20b');
});

test('unit name escaping agrees with the systemd-escape installed here', { skip: spawnSync('systemd-escape', ['x']).status !== 0 }, () => {
  for (const s of ['a-b/c', '.x', 'pod 1', 'kubepods-burstable', 'ü:ä_', '1f0e-4c2a', 'a\\b']) {
    const r = spawnSync('systemd-escape', ['--', s], { encoding: 'utf8' });
    assert.equal(escapeUnitNamePart(s), r.stdout.trim(), s);
  }
});

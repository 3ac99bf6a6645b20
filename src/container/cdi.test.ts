import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../util/test-temp-dir.js';
import { loadCdiDevices, parseQualifiedName, requestedCdiDevices, resolveCdiDevices } from './cdi.js';

const spec = (kind: string, devices: Record<string, unknown>, common: Record<string, unknown> = {}) =>
  JSON.stringify({ cdiVersion: '0.6.0', kind, containerEdits: common, devices: Object.entries(devices).map(([name, containerEdits]) => ({ name, containerEdits })) });

test('qualified names and where devices are asked for (field, then cdi.k8s.io/ annotations)', () => {
  assert.deepEqual(parseQualifiedName('vendor.com/gpu=0'), { kind: 'vendor.com/gpu', name: '0' });
  for (const bad of ['gpu=0', 'vendor.com/gpu', 'vendor.com/gpu=', '=x', 'a/b=c d']) assert.throws(() => parseQualifiedName(bad), /not a qualified name/, bad);
  assert.deepEqual(requestedCdiDevices([{ name: 'a.com/x=1' }], { 'cdi.k8s.io/p': 'a.com/x=1, a.com/x=2', other: 'a.com/x=3' }), ['a.com/x=1', 'a.com/x=2']);
});

test('a later spec dir overrides an earlier one; a device defined twice in one dir is a conflict', async () => {
  const base = tempDir('rktlet-cdi-unit-');
  const [etc, run] = [join(base, 'etc'), join(base, 'run')];
  mkdirSync(etc);
  mkdirSync(run);
  writeFileSync(join(etc, 'a.json'), spec('v.com/c', { d: { env: ['FROM=etc'] }, only: { env: ['ONLY=etc'] } }));
  writeFileSync(join(run, 'a.json'), spec('v.com/c', { d: { env: ['FROM=run'] } }));
  writeFileSync(join(run, 'b.json'), spec('v.com/k', { x: {} }));
  writeFileSync(join(run, 'c.json'), spec('v.com/k', { x: {} }));
  writeFileSync(join(run, 'broken.json'), '{');
  const { devices, errors } = await loadCdiDevices([etc, run]);
  assert.deepEqual(devices.get('v.com/c=d')?.edits[1], { env: ['FROM=run'] });
  assert.ok(devices.has('v.com/c=only'));
  assert.ok(errors.some((e) => /defined twice/.test(e)));
  assert.ok(errors.some((e) => /broken\.json/.test(e)));
  const edits = await resolveCdiDevices(['v.com/c=d'], [etc, run]);
  assert.deepEqual(edits?.env, ['FROM=run']);
  await assert.rejects(resolveCdiDevices(['v.com/c=none'], [etc, run]), (e: { code: string; message: string }) => e.code === 'NOT_FOUND' && /broken\.json/.test(e.message));
});

test('edits: common ones once per spec, device nodes from the host, unsupported edits refused', async () => {
  const dir = tempDir('rktlet-cdi-unit-');
  writeFileSync(
    join(dir, 'v.json'),
    spec(
      'v.com/c',
      {
        a: { deviceNodes: [{ path: '/dev/v-null', hostPath: '/dev/null', permissions: 'rw' }], hooks: [{ hookName: 'createRuntime', path: '/bin/true' }] },
        b: { deviceNodes: [{ path: '/dev/v-x', type: 'c', major: 240, minor: 3 }], mounts: [{ hostPath: '/opt', containerPath: '/opt', options: ['ro'] }] },
        rdt: { intelRdt: { closID: 'x' } },
        hook: { hooks: [{ hookName: 'beforeAnything', path: '/bin/true' }] },
      },
      { env: ['COMMON=1'], additionalGids: [44] },
    ),
  );
  const e = (await resolveCdiDevices(['v.com/c=a', 'v.com/c=b'], [dir]))!;
  assert.deepEqual(e.env, ['COMMON=1']);
  assert.deepEqual(e.additionalGids, [44]);
  assert.deepEqual(
    e.devices.map((d) => [d.containerPath, d.type, d.major, d.minor, d.permissions]),
    [
      ['/dev/v-null', 'c', 1, 3, 'rw'],
      ['/dev/v-x', 'c', 240, 3, 'rwm'],
    ],
  );
  assert.deepEqual(e.mounts, [{ hostPath: '/opt', containerPath: '/opt', options: ['ro'] }]);
  assert.deepEqual(e.hooks, [{ hookName: 'createRuntime', path: '/bin/true' }]);
  await assert.rejects(resolveCdiDevices(['v.com/c=rdt'], [dir]), /intelRdt edits are not supported/);
  await assert.rejects(resolveCdiDevices(['v.com/c=hook'], [dir]), /not an OCI hook/);
  assert.equal(await resolveCdiDevices([], [dir]), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountsUnder, iptablesCleanupScript, findRuncRoots } from './host-cleanup.js';

test('mounts under a dir, deepest first, octal escapes decoded, others left alone', () => {
  const info = [
    '22 1 0:21 / /tmp/bench rw - tmpfs tmpfs rw',
    '30 22 0:30 / /tmp/bench/ctr/root/overlay/1/merged rw - overlay overlay rw',
    '31 22 0:31 / /tmp/bench/rk\\040x/netns/a rw - nsfs nsfs rw',
    '32 1 0:32 / /tmp/bench-other rw - tmpfs tmpfs rw',
  ].join('\n');
  assert.deepEqual(mountsUnder(info, '/tmp/bench'), ['/tmp/bench/ctr/root/overlay/1/merged', '/tmp/bench/rk x/netns/a', '/tmp/bench']);
});

const save = [
  '*nat',
  ':POSTROUTING ACCEPT [0:0]',
  ':CNI-abc - [0:0]',
  ':CNI-def - [0:0]',
  ':CNI-HOSTPORT-MASQ - [0:0]',
  '-A POSTROUTING -s 10.241.0.5/32 -m comment --comment "name: \\"bench-ctr\\" id: \\"123\\"" -j CNI-abc',
  '-A POSTROUTING -s 10.50.0.5/32 -m comment --comment "name: \\"other\\" id: \\"9\\"" -j CNI-def',
  '-A CNI-abc -d 10.241.0.0/16 -m comment --comment "name: \\"bench-ctr\\" id: \\"123\\"" -j ACCEPT',
  '-A CNI-def -d 10.50.0.0/16 -m comment --comment "name: \\"other\\" id: \\"9\\"" -j ACCEPT',
  '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
  'COMMIT',
].join('\n');

test('iptables: only chains tagged with our network names, jumps first, shared chains kept', () => {
  assert.equal(
    iptablesCleanupScript(save, 'nat', ['bench-ctr']),
    [
      '*nat',
      '-D POSTROUTING -s 10.241.0.5/32 -m comment --comment "name: \\"bench-ctr\\" id: \\"123\\"" -j CNI-abc',
      '-F CNI-abc',
      '-X CNI-abc',
      'COMMIT',
      '',
    ].join('\n'),
  );
  assert.equal(iptablesCleanupScript(save, 'nat', ['bench-none']), undefined);
});

test('runc roots are found by their containers state.json', () => {
  const d = mkdtempSync(join(tmpdir(), 'bench-runc-'));
  try {
    mkdirSync(join(d, 'ctr', 'runc', 'k8s.io', 'abc'), { recursive: true });
    writeFileSync(join(d, 'ctr', 'runc', 'k8s.io', 'abc', 'state.json'), '{}');
    mkdirSync(join(d, 'rk', 'run', 'runc', 'x'), { recursive: true });
    writeFileSync(join(d, 'rk', 'run', 'runc', 'x', 'state.json'), '{}');
    mkdirSync(join(d, 'empty', 'y'), { recursive: true });
    assert.deepEqual(findRuncRoots(d).sort(), [join(d, 'ctr', 'runc', 'k8s.io'), join(d, 'rk', 'run', 'runc')]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

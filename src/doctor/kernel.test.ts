import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelFindings } from './kernel.js';
import { atLeast, healthy, parseVersion } from './finding.js';

const FILESYSTEMS = 'nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\text4\nnodev\toverlay\n';

test('versions parse and compare', () => {
  assert.deepEqual(parseVersion('6.1.0-18-amd64'), [6, 1, 0]);
  assert.deepEqual(parseVersion('runc version 1.1.5+ds1'), [1, 1, 5]);
  assert.equal(parseVersion('no digits'), undefined);
  assert.ok(atLeast([5, 12, 0], [5, 12, 0]) && atLeast([6, 1, 0], [5, 12, 0]) && !atLeast([5, 10, 200], [5, 12, 0]));
});

test('kernel: new, old and too old; overlayfs present or not', () => {
  const [v, o] = kernelFindings('6.1.0-18-amd64\n', FILESYSTEMS);
  assert.equal(v?.status, 'ok');
  assert.equal(o?.status, 'ok');
  assert.equal(kernelFindings('5.10.0-28-amd64', FILESYSTEMS)[0]?.status, 'warn');
  const old = kernelFindings('4.19.0-26-amd64', 'nodev\ttmpfs\n\text4\n');
  assert.deepEqual(old.map((f) => f.status), ['fail', 'fail']);
  assert.match(old[1]?.fix ?? '', /modprobe overlay/);
  assert.equal(healthy(old), false);
  // "overlay" must be the file system's name, not part of another's.
  assert.equal(kernelFindings('6.1.0', 'nodev\toverlayish\n')[1]?.status, 'fail');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectiveCgroupDriver, systemdBooted } from './booted.js';

test('sd_booted: /run/systemd/system must be a directory', () => {
  const d = mkdtempSync(join(tmpdir(), 'sd-booted-'));
  try {
    const dir = join(d, 'run', 'systemd', 'system');
    assert.equal(systemdBooted(dir), false);
    mkdirSync(join(d, 'run', 'systemd'), { recursive: true });
    writeFileSync(dir, '');
    assert.equal(systemdBooted(dir), false, 'a file is not the directory systemd makes');
    rmSync(dir);
    mkdirSync(dir);
    assert.equal(systemdBooted(dir), true);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('the auto driver follows systemd; explicit drivers stand', () => {
  assert.equal(effectiveCgroupDriver('auto', true), 'systemd');
  assert.equal(effectiveCgroupDriver('auto', false), 'cgroupfs');
  for (const booted of [true, false]) {
    assert.equal(effectiveCgroupDriver('cgroupfs', booted), 'cgroupfs');
    assert.equal(effectiveCgroupDriver('systemd', booted), 'systemd');
  }
});

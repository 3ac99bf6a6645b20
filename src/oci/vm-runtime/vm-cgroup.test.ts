import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOIN_AND_EXEC, vmCgroupDirs } from './vm-cgroup.js';

const hybrid = [
  '30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
  '32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  '33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
  '34 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset',
  '35 30 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids',
  '36 25 8:1 / /data rw - ext4 /dev/sda1 rw',
].join('\n');

test('the VM\'s cgroup in every hierarchy but cpuset (which needs cpus and mems first); none for systemd paths', () => {
  assert.deepEqual(vmCgroupDirs(hybrid, '/rktlet/pod-p/p'), [
    '/sys/fs/cgroup/unified/rktlet/pod-p/p',
    '/sys/fs/cgroup/memory/rktlet/pod-p/p',
    '/sys/fs/cgroup/cpu,cpuacct/rktlet/pod-p/p',
    '/sys/fs/cgroup/pids/rktlet/pod-p/p',
  ]);
  assert.deepEqual(vmCgroupDirs(hybrid, 'kubepods.slice:rktlet:p'), []);
  assert.deepEqual(vmCgroupDirs(hybrid, '/a/../../etc'), []);
  assert.deepEqual(vmCgroupDirs('40 1 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '/k/p'), ['/sys/fs/cgroup/k/p']);
});

test('the launch wrapper writes its own pid into each file, then execs the command (same pid)', () => {
  const d = mkdtempSync(join(tmpdir(), 'rktlet-vmcg-'));
  try {
    const [a, b] = [join(d, 'a'), join(d, 'b')];
    writeFileSync(a, '');
    writeFileSync(b, '');
    const out = execFileSync('sh', ['-c', JOIN_AND_EXEC, 'sh', a, b, '--', 'sh', '-c', 'echo $$'], { encoding: 'utf8' }).trim();
    assert.equal(readFileSync(a, 'utf8').trim(), out);
    assert.equal(readFileSync(b, 'utf8').trim(), out);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

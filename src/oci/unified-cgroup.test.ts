import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hideUnifiedCgroup, hybridUnifiedWithControllers, type HostFacts } from './unified-cgroup.js';

// mountinfo lines as this kind of host has them (cgroup v1 hybrid) and as a pure v2 host has them.
const HYBRID = [
  '31 24 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '42 31 0:39 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const V2 = '31 24 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw';
const V1_ONLY = '42 31 0:39 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory';

function facts(mountinfo: string, controllers: string, version: string): HostFacts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    mountinfo: () => mountinfo,
    controllers: (p) => {
      asked.push(p);
      return controllers;
    },
    version: () => version,
  };
}

const CRUN = 'crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nspec: 1.0.0\n+SYSTEMD +SELINUX';
const RUNC = 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev';

test('the hybrid layout counts only when its cgroup2 mount has controllers', () => {
  const f = facts(HYBRID, 'hugetlb\n', CRUN);
  assert.equal(hybridUnifiedWithControllers(f), true);
  assert.deepEqual(f.asked, ['/sys/fs/cgroup/unified']);
  assert.equal(hybridUnifiedWithControllers(facts(HYBRID, '\n', CRUN)), false, 'an empty v2 mount: crun copes');
  assert.equal(hybridUnifiedWithControllers(facts(V2, 'cpu memory', CRUN)), false, 'a pure v2 host');
  assert.equal(hybridUnifiedWithControllers(facts(V1_ONLY, 'cpu', CRUN)), false, 'no v2 mount at all');
});

test('auto hides the mount for crun on that layout only; true and false are kept as given', () => {
  assert.equal(hideUnifiedCgroup('auto', '/usr/bin/crun', facts(HYBRID, 'hugetlb', CRUN)), true);
  assert.equal(hideUnifiedCgroup('auto', '/usr/sbin/runc', facts(HYBRID, 'hugetlb', RUNC)), false, 'runc ignores the v2 mount');
  assert.equal(hideUnifiedCgroup('auto', '/usr/bin/crun', facts(V2, 'cpu', CRUN)), false);
  assert.equal(hideUnifiedCgroup('auto', '/missing/crun', facts(HYBRID, 'hugetlb', '')), false, 'a runtime that cannot run: its own error at use');
  assert.equal(hideUnifiedCgroup(true, '/usr/sbin/runc', facts(V2, '', RUNC)), true);
  assert.equal(hideUnifiedCgroup(false, '/usr/bin/crun', facts(HYBRID, 'hugetlb', CRUN)), false);
});

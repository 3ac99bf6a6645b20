import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { readCgroupV1, type V1Dirs } from './cgroup-v1.js';

const V1 = join(packageRoot, 'test', 'fixtures', 'cgroup', 'v1');
const dirs = (path: string, controllers: (keyof V1Dirs)[]): V1Dirs =>
  Object.fromEntries(controllers.map((c) => [c, join(V1, c, path)]));

test('v1: every figure from a full container cgroup (hierarchical totals)', async () => {
  const s = await readCgroupV1(dirs('kubepods/pod1/ctr1', ['cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'unified']));
  assert.ok(s.timestampNs > 0n);
  assert.equal(s.cpu?.usageNs, 5_000_000_000n);
  assert.equal(s.cpu?.userNs, 3_000_000_000n);
  assert.equal(s.cpu?.systemNs, 2_000_000_000n);
  assert.equal(s.cpu?.periods, 10n);
  assert.equal(s.cpu?.throttledPeriods, 2n);
  assert.equal(s.cpu?.throttledNs, 150000n);
  assert.equal(s.cpu?.psi?.some.total, 123456n);
  assert.equal(s.cpu?.psi?.some.avg10, 1.5);
  const m = s.memory!;
  assert.equal(m.usageBytes, 104857600n);
  assert.equal(m.workingSetBytes, 104857600n - 10485760n); // usage − total_inactive_file
  assert.equal(m.limitBytes, 268435456n);
  assert.equal(m.rssBytes, 73400320n); // total_rss, not this cgroup's own rss
  assert.equal(m.cacheBytes, 20971520n);
  assert.equal(m.mappedFileBytes, 4194304n);
  assert.equal(m.pageFaults, 123456n);
  assert.equal(m.majorPageFaults, 42n);
  assert.equal(m.maxUsageBytes, 110000000n);
  assert.equal(m.failcnt, 3n);
  assert.equal(m.oomKills, 1n);
  assert.equal(m.swapLimitBytes, 536870912n - 268435456n);
  assert.equal(m.psi?.full?.total, 5n);
  assert.deepEqual(s.pids, { current: 7n, max: 1024n });
  assert.deepEqual(s.io?.devices, [{ major: 8, minor: 0, readBytes: 4096n, writeBytes: 8192n, reads: 1n, writes: 2n }]);
  assert.equal(s.io?.psi?.some.total, 16280504n);
  assert.equal(s.io?.psi?.full?.avg300, 0.75);
});

test('v1: an old kernel without usage_user, unified or pids; unlimited memory', async () => {
  const s = await readCgroupV1(dirs('old/ctr2', ['cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'unified']));
  assert.equal(s.cpu?.usageNs, 1000n);
  assert.equal(s.cpu?.userNs, 70_000_000n); // 7 ticks of 10 ms
  assert.equal(s.cpu?.systemNs, 30_000_000n);
  assert.equal(s.cpu?.psi, undefined);
  assert.equal(s.memory?.limitBytes, undefined);
  assert.equal(s.memory?.swapLimitBytes, undefined);
  // inactive_file larger than usage: the working set stops at 0.
  assert.equal(s.memory?.workingSetBytes, 0n);
  assert.equal(s.memory?.rssBytes, 1024n);
  assert.equal(s.pids, undefined);
  assert.equal(s.io, undefined);
});

test('v1: a cgroup that does not exist gives a sample with only a timestamp', async () => {
  const s = await readCgroupV1(dirs('gone', ['cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'unified']));
  assert.deepEqual(Object.keys(s), ['timestampNs']);
});

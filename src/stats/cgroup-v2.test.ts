import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { readCgroupV2 } from './cgroup-v2.js';

const V2 = join(packageRoot, 'test', 'fixtures', 'cgroup', 'v2');

test('v2: every figure from a full container cgroup', async () => {
  const s = await readCgroupV2(join(V2, 'kubepods.slice/kubepods-pod1.slice/rktlet-ctr1.scope'));
  assert.equal(s.cpu?.usageNs, 5_000_000_000n);
  assert.equal(s.cpu?.userNs, 3_000_000_000n);
  assert.equal(s.cpu?.systemNs, 2_000_000_000n);
  assert.equal(s.cpu?.throttledPeriods, 2n);
  assert.equal(s.cpu?.throttledNs, 150_000n);
  assert.equal(s.cpu?.psi?.some.total, 123456n);
  const m = s.memory!;
  assert.equal(m.usageBytes, 104857600n);
  assert.equal(m.workingSetBytes, 104857600n - 10485760n);
  assert.equal(m.limitBytes, 268435456n);
  assert.equal(m.rssBytes, 73400320n); // anon
  assert.equal(m.cacheBytes, 20971520n);
  assert.equal(m.pageFaults, 123456n);
  assert.equal(m.majorPageFaults, 42n);
  assert.equal(m.swapBytes, 0n);
  assert.equal(m.swapLimitBytes, 1073741824n);
  assert.equal(m.maxUsageBytes, 110000000n);
  assert.equal(m.failcnt, 3n);
  assert.equal(m.oomKills, 1n);
  assert.equal(m.psi?.some.total, 10n);
  assert.deepEqual(s.pids, { current: 7n, max: undefined });
  assert.equal(s.io?.devices.length, 2);
  assert.deepEqual(s.io?.devices[0], { major: 8, minor: 0, readBytes: 4096n, writeBytes: 8192n, reads: 1n, writes: 2n });
  assert.equal(s.io?.psi?.full?.total, 14389612n);
});

test('v2: "max" memory is unlimited; absent files are absent figures', async () => {
  const s = await readCgroupV2(join(V2, 'unlimited'));
  assert.equal(s.cpu?.usageNs, 1000n);
  assert.equal(s.cpu?.psi, undefined);
  assert.equal(s.memory?.limitBytes, undefined);
  assert.equal(s.memory?.swapLimitBytes, undefined);
  assert.equal(s.memory?.swapBytes, 0n);
  assert.equal(s.memory?.workingSetBytes, 0n);
  assert.equal(s.memory?.pageFaults, 0n);
  assert.equal(s.pids, undefined);
  assert.equal(s.io, undefined);
});

test('v2: a missing cgroup gives only a timestamp', async () => {
  assert.deepEqual(Object.keys(await readCgroupV2(join(V2, 'gone'))), ['timestampNs']);
});

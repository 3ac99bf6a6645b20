import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuUsage, filesystemUsage, ioUsage, memoryUsage, networkUsage, processUsage, swapUsage } from './to-cri.js';
import type { CgroupSample } from './cgroup-sample.js';

const psi = { some: { total: 5n, avg10: 1.5, avg60: 0, avg300: 0 } };
const full: CgroupSample = {
  timestampNs: 1000n,
  cpu: { usageNs: 7n, psi },
  memory: { usageBytes: 100n, workingSetBytes: 80n, limitBytes: 200n, rssBytes: 50n, pageFaults: 3n, majorPageFaults: 1n, swapBytes: 0n },
  pids: { current: 4n },
  io: { devices: [], psi },
};

test('cpu, memory, io, process and swap messages carry the sample timestamp', () => {
  assert.deepEqual(cpuUsage(full, 500n), {
    timestamp: '1000',
    usage_core_nano_seconds: { value: '7' },
    usage_nano_cores: { value: '500' },
    psi: { Some: { Total: '5', Avg10: 1.5, Avg60: 0, Avg300: 0 }, Full: null },
  });
  assert.deepEqual(memoryUsage(full), {
    timestamp: '1000',
    working_set_bytes: { value: '80' },
    available_bytes: { value: '120' },
    usage_bytes: { value: '100' },
    rss_bytes: { value: '50' },
    page_faults: { value: '3' },
    major_page_faults: { value: '1' },
    psi: null,
  });
  assert.equal(ioUsage(full)?.psi?.Some?.Total, '5');
  assert.deepEqual(processUsage(full), { timestamp: '1000', process_count: { value: '4' } });
  assert.equal(swapUsage(full)?.swap_usage_bytes?.value, '0');
  assert.equal(swapUsage(full)?.swap_available_bytes, null);
  const limited: CgroupSample = { ...full, memory: { ...full.memory!, swapBytes: 10n, swapLimitBytes: 100n } };
  assert.equal(swapUsage(limited)?.swap_available_bytes?.value, '90');
});

test('unknown figures stay unset: no limit → no available_bytes; nothing read → null', () => {
  const s: CgroupSample = { ...full, memory: { ...full.memory!, limitBytes: undefined, workingSetBytes: 80n } };
  assert.equal(memoryUsage(s)?.available_bytes, null);
  const over: CgroupSample = { ...full, memory: { ...full.memory!, limitBytes: 10n } };
  assert.equal(memoryUsage(over)?.available_bytes?.value, '0');
  const empty: CgroupSample = { timestampNs: 1n };
  assert.equal(cpuUsage(empty, 0n), null);
  assert.equal(memoryUsage(empty), null);
  assert.equal(ioUsage(empty), null);
  assert.equal(processUsage(empty), null);
  assert.equal(swapUsage(empty), null);
  assert.equal(cpuUsage(full, undefined)?.usage_nano_cores, null);
});

test('network: default interface eth0, all interfaces listed', () => {
  const n = (name: string) => ({ name, rxBytes: 1n, rxPackets: 0n, rxErrors: 0n, rxDropped: 0n, txBytes: 2n, txPackets: 0n, txErrors: 0n, txDropped: 0n });
  const u = networkUsage(9n, [n('net1'), n('eth0')]);
  assert.equal(u?.default_interface?.name, 'eth0');
  assert.deepEqual(u?.interfaces?.map((i) => i.name), ['net1', 'eth0']);
  assert.equal(u?.interfaces?.[0]?.tx_bytes?.value, '2');
  assert.equal(networkUsage(9n, [])?.default_interface, null);
  assert.equal(networkUsage(9n, undefined), null);
});

test('writable layer usage', () => {
  assert.deepEqual(filesystemUsage(5n, '/var/lib/x', { bytes: 10, inodes: 2 }), {
    timestamp: '5',
    fs_id: { mountpoint: '/var/lib/x' },
    used_bytes: { value: '10' },
    inodes_used: { value: '2' },
  });
  assert.equal(filesystemUsage(5n, '/x', undefined), null);
});

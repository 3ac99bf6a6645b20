import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultInterface, parseNetDev, readNetDev } from './net-dev.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0: 1234567     890    1    2    0     0          0         0   765432     321    3    4    0     0       0          0
  net1:      10       1    0    0    0     0          0         0       20       2    0    0    0     0       0          0
`;

test('parseNetDev: per interface, loopback skipped', () => {
  const ifs = parseNetDev(NET_DEV);
  assert.deepEqual(ifs.map((i) => i.name), ['eth0', 'net1']);
  assert.deepEqual(ifs[0], {
    name: 'eth0',
    rxBytes: 1234567n,
    rxPackets: 890n,
    rxErrors: 1n,
    rxDropped: 2n,
    txBytes: 765432n,
    txPackets: 321n,
    txErrors: 3n,
    txDropped: 4n,
  });
  assert.equal(defaultInterface(ifs)?.name, 'eth0');
  assert.equal(defaultInterface(ifs.slice(1))?.name, 'net1');
  assert.equal(defaultInterface([]), undefined);
});

test('readNetDev: this process has at least the lo line; a dead pid gives undefined', async () => {
  assert.ok(Array.isArray(await readNetDev(process.pid)));
  assert.equal(await readNetDev(2 ** 22 + 1), undefined);
});

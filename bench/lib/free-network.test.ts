import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4, overlaps, parseIpv4Networks, pickNetworks } from './free-network.js';

test('overlaps: a /24 inside a /10, and neighbours that do not touch', () => {
  assert.equal(overlaps([ipv4('100.64.3.0'), 24], [ipv4('100.64.0.0'), 10]), true);
  assert.equal(overlaps([ipv4('100.64.3.0'), 24], [ipv4('100.64.4.0'), 24]), false);
});

test('parseIpv4Networks reads addresses with and without prefixes', () => {
  const nets = parseIpv4Networks('2: eth0    inet 100.64.7.9/24 brd 100.64.7.255 scope global\ndefault via 10.0.0.1 dev eth0\n');
  assert.deepEqual(nets[0], [ipv4('100.64.7.9'), 24]);
  assert.ok(nets.some(([b, p]) => b === ipv4('10.0.0.1') && p === 32));
});

test('pickNetworks skips subnets the host uses and bridge names that exist, and never hands out one twice', () => {
  const used = parseIpv4Networks('inet 100.64.0.1/23\ninet 100.64.2.1/24\n');
  const nets = pickNetworks(['ctb', 'rkb'], 0, used, (n) => n === 'ctb3');
  assert.equal(nets.length, 2);
  // slots 0-2 overlap the host's networks; slot 3's bridge name exists.
  assert.deepEqual(nets[0], { bridge: 'ctb4', subnet: '100.64.4.0/24' });
  assert.deepEqual(nets[1], { bridge: 'rkb5', subnet: '100.64.5.0/24' });
});

test('pickNetworks fails with a message when the pool is full', () => {
  assert.throws(() => pickNetworks(['x'], 0, [[ipv4('100.64.0.0'), 10]], () => false), /no free \/24/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseGuestNetwork, vmEnv } from './vm-network.js';

const addr = JSON.stringify([{ ifname: 'eth0', address: '0a:58:0a:58:00:05', mtu: 1450, addr_info: [{ family: 'inet', local: '10.88.0.5', prefixlen: 16, scope: 'global' }, { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' }] }]);
const route = JSON.stringify([{ dst: 'default', gateway: '10.88.0.1', dev: 'eth0' }]);

test('the guest takes eth0\'s MAC, IPv4 address, MTU and the default gateway', () => {
  assert.deepEqual(parseGuestNetwork(addr, route), { mac: '0a:58:0a:58:00:05', ip: '10.88.0.5', prefix: 16, gateway: '10.88.0.1', mtu: 1450 });
});

test('no IPv4 address or route: loopback only in the guest; no eth0 at all is refused', () => {
  const v6 = JSON.stringify([{ address: '0a:58:0a:58:00:05', addr_info: [{ family: 'inet6', local: 'fd00::5', prefixlen: 64 }] }]);
  assert.deepEqual(parseGuestNetwork(v6, ''), { mac: '0a:58:0a:58:00:05', ip: '', prefix: 0, gateway: '', mtu: 1500 });
  assert.throws(() => parseGuestNetwork('[]', route), /no eth0/);
});

test('vm.env is shell the agent sources, whatever the hostname', () => {
  const env = vmEnv(parseGuestNetwork(addr, route), "h'1; reboot");
  const out = execFileSync('sh', ['-c', `${env}\necho "$VM_IP/$VM_PREFIX via $VM_GW on $VM_HOSTNAME"`], { encoding: 'utf8' });
  assert.equal(out, "10.88.0.5/16 via 10.88.0.1 on h'1; reboot\n");
});

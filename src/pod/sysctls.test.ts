import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodNamespaces } from './types.js';
import { withUnprivilegedDefaults } from './sysctls.js';

test('unprivileged ports and ping by default in a pod network namespace; the pod own value wins; none on the host network', () => {
  const podNs = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as unknown as PodNamespaces;
  const on = { enable_unprivileged_ports: true, enable_unprivileged_icmp: true };
  assert.deepEqual(withUnprivilegedDefaults({ 'kernel.shmmax': '1' }, podNs, on), {
    'kernel.shmmax': '1',
    'net.ipv4.ip_unprivileged_port_start': '0',
    'net.ipv4.ping_group_range': '0 2147483647',
  });
  assert.deepEqual(withUnprivilegedDefaults({ 'net.ipv4.ip_unprivileged_port_start': '80' }, podNs, on)['net.ipv4.ip_unprivileged_port_start'], '80');
  assert.deepEqual(withUnprivilegedDefaults({}, podNs, { enable_unprivileged_ports: false, enable_unprivileged_icmp: false }), {});
  assert.deepEqual(withUnprivilegedDefaults({}, { ...podNs, network: 'NODE' } as PodNamespaces, on), {});
});

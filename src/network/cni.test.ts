import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pluginConfig, podIPs } from './cni.js';
import { kubernetesCniArgs, pluginErrorText } from './cni-exec.js';
import { defaultNetworkConfig } from './cni-config.js';
import { mountPoints } from './netns.js';

test('plugin config: name and version, prevResult, portMappings only for plugins with the capability', () => {
  const net = { cniVersion: '1.0.0', name: 'n', plugins: [] };
  const pm = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' as const }];
  assert.deepEqual(pluginConfig(net, { type: 'bridge', bridge: 'b' }, undefined, { portMappings: pm }), { type: 'bridge', bridge: 'b', name: 'n', cniVersion: '1.0.0' });
  const prev = { ips: [{ address: '10.0.0.2/24' }] };
  assert.deepEqual(pluginConfig(net, { type: 'portmap', capabilities: { portMappings: true } }, prev, { portMappings: pm }), {
    type: 'portmap',
    name: 'n',
    cniVersion: '1.0.0',
    prevResult: prev,
    runtimeConfig: { portMappings: pm },
  });
  assert.ok(!('runtimeConfig' in pluginConfig(net, { type: 'portmap', capabilities: { portMappings: true } }, prev, { portMappings: [] })));
});

test('pod IPs: sandbox interfaces only, IPv4 first (0.4.0 and 1.0.0 results)', () => {
  const r040 = {
    cniVersion: '0.4.0',
    interfaces: [{ name: 'cni0', mac: 'x' }, { name: 'veth1', mac: 'y' }, { name: 'eth0', mac: 'z', sandbox: '/run/netns/x' }],
    ips: [
      { version: '6', address: 'fd00::5/64', gateway: 'fd00::1', interface: 2 },
      { version: '4', address: '10.88.0.5/16', gateway: '10.88.0.1', interface: 2 },
      { version: '4', address: '10.88.0.1/16', interface: 0 },
    ],
  };
  assert.deepEqual(podIPs(r040), ['10.88.0.5', 'fd00::5']);
  assert.deepEqual(podIPs({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.2/24' }] }), ['10.1.0.2']);
  assert.deepEqual(podIPs({}), []);
});

test('Kubernetes CNI_ARGS and plugin error text', () => {
  assert.equal(kubernetesCniArgs({ namespace: 'ns', name: 'p', infraId: 'abc', uid: 'u1' }), 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u1');
  assert.equal(pluginErrorText('bridge', '{"cniVersion":"1.0.0","code":11,"msg":"failed to set bridge addr","details":"could not add IP"}', '', 1).text, 'plugin type="bridge" failed (11): failed to set bridge addr: could not add IP');
  assert.equal(pluginErrorText('x', 'garbage', 'panic: boom', 2).text, 'plugin type="x" failed (exit 2): panic: boom');
});

test('the default network: bridge, host-local with its own data dir, portmap (lo is up from the netns creation)', () => {
  const n = defaultNetworkConfig({ bridge: 'rk1', subnet: '10.9.0.0/24', dataDir: '/var/lib/rktlet/cni/networks' });
  assert.equal(n.name, 'rk1');
  assert.deepEqual(n.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.equal((n.plugins[0]!.ipam as { dataDir: string }).dataDir, '/var/lib/rktlet/cni/networks');
  assert.deepEqual((n.plugins[0]!.ipam as { ranges: unknown }).ranges, [[{ subnet: '10.9.0.0/24' }]]);
  assert.deepEqual(n.plugins[1]!.capabilities, { portMappings: true });
});

test('mount points from mountinfo, with escapes', () => {
  assert.deepEqual(mountPoints('1 2 0:3 / /run/a\\040b rw - tmpfs t rw\n4 5 0:6 / /x rw - nsfs nsfs rw\n'), ['/run/a b', '/x']);
});

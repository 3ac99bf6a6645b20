import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { renderContainerdConfig, renderBridgeConflist, type ContainerdSettings } from './containerd-config.js';

const settings: ContainerdSettings = {
  paths: {
    root: '/tmp/b/ctr/root',
    state: '/tmp/b/ctr/state',
    socket: '/tmp/b/ctr/containerd.sock',
    runcRoot: '/tmp/b/ctr/runc',
    cniConfDir: '/tmp/b/ctr/cni',
    optDir: '/tmp/b/ctr/opt',
  },
  runcPath: '/usr/sbin/runc',
  cniBinDir: '/usr/lib/cni',
  registryHost: '127.0.0.1:5123',
  sandboxImage: '127.0.0.1:5123/bench/pause:1',
  logLevel: 'warn',
};

type T = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('config is version 2 with its own root, state and sockets', () => {
  const c = parse(renderContainerdConfig(settings)) as T;
  assert.equal(c.version, 2);
  assert.equal(c.root, '/tmp/b/ctr/root');
  assert.equal(c.state, '/tmp/b/ctr/state');
  assert.equal(c.grpc.address, '/tmp/b/ctr/containerd.sock');
  assert.equal(c.ttrpc.address, '/tmp/b/ctr/containerd.sock.ttrpc');
  assert.equal(c.plugins['io.containerd.internal.v1.opt'].path, '/tmp/b/ctr/opt');
});

test('CRI plugin: runc v2 with the same runc, cgroupfs, clamped oom_score_adj, local sandbox image', () => {
  const cri = (parse(renderContainerdConfig(settings)) as T).plugins['io.containerd.grpc.v1.cri'];
  assert.equal(cri.sandbox_image, '127.0.0.1:5123/bench/pause:1');
  assert.equal(cri.restrict_oom_score_adj, true);
  assert.equal(cri.stream_server_address, '127.0.0.1');
  const runc = cri.containerd.runtimes.runc;
  assert.equal(cri.containerd.default_runtime_name, 'runc');
  assert.equal(runc.runtime_type, 'io.containerd.runc.v2');
  assert.deepEqual({ ...runc.options }, { BinaryName: '/usr/sbin/runc', Root: '/tmp/b/ctr/runc', SystemdCgroup: false });
  assert.deepEqual({ ...cri.cni }, { bin_dir: '/usr/lib/cni', conf_dir: '/tmp/b/ctr/cni', max_conf_num: 1 });
});

test('registry mirrors point at the local registry over plain HTTP only', () => {
  const cri = (parse(renderContainerdConfig(settings)) as T).plugins['io.containerd.grpc.v1.cri'];
  assert.deepEqual(cri.registry.mirrors['127.0.0.1:5123'].endpoint, ['http://127.0.0.1:5123']);
  assert.deepEqual(cri.registry.mirrors['docker.io'].endpoint, ['http://127.0.0.1:5123']);
  assert.deepEqual(Object.keys(cri.registry.mirrors).sort(), ['127.0.0.1:5123', 'docker.io']);
});

test('bridge network: named after its own bridge, own subnet and lease dir; bridge + portmap', () => {
  const n = JSON.parse(renderBridgeConflist({ bridge: 'ctrbench0', subnet: '10.241.0.0/16', dataDir: '/tmp/b/ctr/ipam' }));
  assert.equal(n.name, 'ctrbench0');
  assert.equal(n.plugins[0].ipam.dataDir, '/tmp/b/ctr/ipam');
  assert.equal(n.plugins[1].snat, true);
  assert.equal(n.cniVersion, '1.0.0');
  assert.deepEqual(n.plugins.map((p: { type: string }) => p.type), ['bridge', 'portmap']);
  assert.equal(n.plugins[0].bridge, 'ctrbench0');
  assert.equal(n.plugins[0].isGateway, true);
  assert.equal(n.plugins[0].ipMasq, true);
  assert.deepEqual(n.plugins[0].ipam.ranges, [[{ subnet: '10.241.0.0/16' }]]);
});

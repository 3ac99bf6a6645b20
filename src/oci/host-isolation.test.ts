import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../config/load.js';
import { FailedPreconditionError } from '../errors/catalog.js';
import { checkHostContainer, checkHostPod, hostPodLacks, isHostHandler, onlyMountNamespace } from './host-isolation.js';
import type { OciSpec } from './spec/types.js';

const HOST_NS = { network: 'NODE', pid: 'NODE', ipc: 'NODE' };

test('the shipped config has a host handler; runc and crun are not host handlers', () => {
  const c = defaultConfig();
  assert.equal(isHostHandler(c, 'host'), true);
  assert.equal(isHostHandler(c, 'runc'), false);
  assert.equal(isHostHandler(c, 'crun'), false);
  assert.equal(isHostHandler(c, 'nope'), false);
});

test('a privileged pod with host network, PID and IPC is taken', () => {
  assert.equal(hostPodLacks({ privileged: true, namespaces: HOST_NS }), '');
  assert.doesNotThrow(() => checkHostPod('host', { privileged: true, namespaces: HOST_NS }));
});

test('anything less is refused with FAILED_PRECONDITION naming each thing missing', () => {
  assert.throws(
    () => checkHostPod('fly', { privileged: false, namespaces: { network: 'POD', pid: 'CONTAINER', ipc: 'NODE' } }),
    (e: Error) =>
      e instanceof FailedPreconditionError &&
      /runtime handler "fly" runs pods in the host's namespaces/.test(e.message) &&
      /lacks a privileged security context, host network \(namespace_options\.network NODE\), host pid \(namespace_options\.pid NODE\)$/.test(e.message),
  );
  assert.equal(hostPodLacks({ privileged: true, namespaces: { ...HOST_NS, ipc: 'POD' } }), 'host ipc (namespace_options.ipc NODE)');
});

test('a container in a host pod must be privileged', () => {
  assert.doesNotThrow(() => checkHostContainer('host', true));
  assert.throws(() => checkHostContainer('host', false), (e: Error) => e instanceof FailedPreconditionError && /must be privileged/.test(e.message));
});

test("a host container's spec keeps only its mount namespace (a v2 host's cgroup namespace goes)", () => {
  const spec = { linux: { namespaces: [{ type: 'mount' }, { type: 'cgroup' }] } } as unknown as OciSpec;
  onlyMountNamespace(spec);
  assert.deepEqual(spec.linux.namespaces, [{ type: 'mount' }]);
});

import test from 'node:test';
import assert from 'node:assert/strict';
import { baseSpec } from './defaults.js';
import { withNamespaces } from './namespaces.js';

function namespacesOf(opt: ReturnType<typeof withNamespaces>) {
  const s = baseSpec('/rootfs');
  opt(s);
  return s.linux.namespaces;
}

test('a pod with an infra: IPC and UTS are the infra process ones', () => {
  assert.deepEqual(namespacesOf(withNamespaces({ netnsPath: '/n/pod-a', networkMode: 'POD', ipcMode: 'POD', pidMode: 'CONTAINER', infraPid: 42 })), [
    { type: 'mount' },
    { type: 'network', path: '/n/pod-a' },
    { type: 'uts', path: '/proc/42/ns/uts' },
    { type: 'ipc', path: '/proc/42/ns/ipc' },
    { type: 'pid' },
  ]);
});

test('a pod without an infra: the pinned files, no pid needed', () => {
  const ns = namespacesOf(withNamespaces({ netnsPath: '/n/pod-a', networkMode: 'POD', ipcMode: 'POD', pidMode: 'CONTAINER', infraPid: 0, ipcNsPath: '/p/a-ipc', utsNsPath: '/p/a-uts' }));
  assert.deepEqual(ns, [{ type: 'mount' }, { type: 'network', path: '/n/pod-a' }, { type: 'uts', path: '/p/a-uts' }, { type: 'ipc', path: '/p/a-ipc' }, { type: 'pid' }]);
});

test('host network and IPC: nothing pinned is joined; a POD pid namespace needs an infra', () => {
  assert.deepEqual(namespacesOf(withNamespaces({ netnsPath: '', networkMode: 'NODE', ipcMode: 'NODE', pidMode: 'CONTAINER', infraPid: 0, ipcNsPath: '', utsNsPath: '' })), [{ type: 'mount' }, { type: 'pid' }]);
  assert.throws(() => namespacesOf(withNamespaces({ netnsPath: '/n/p', networkMode: 'POD', ipcMode: 'POD', pidMode: 'POD', infraPid: 0, ipcNsPath: '/p/i', utsNsPath: '/p/u' })), /no shared PID namespace/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailedPreconditionError } from '../errors/catalog.js';
import { checkVmPod } from './vm-isolation.js';

const own = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' };

test('a vm pod keeps its own namespaces: host network, PID or IPC is refused, naming them', () => {
  checkVmPod('vm', { namespaces: own });
  assert.throws(
    () => checkVmPod('vm', { namespaces: { ...own, network: 'NODE', ipc: 'NODE' } }),
    (e: Error) => e instanceof FailedPreconditionError && /"vm" runs the pod in a VM of its own: it cannot use the host's network, ipc namespace/.test(e.message),
  );
  assert.throws(() => checkVmPod('vm', { namespaces: own, userns: { uids: [] } }), /user namespaces/);
});

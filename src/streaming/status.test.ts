import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeStatus, statusPayload } from './status.js';
import { headerList, negotiate, remoteCommandVersion } from './protocols.js';

test('v4 statuses are the metav1.Status JSON client-go decodes', () => {
  assert.equal(statusPayload({ kind: 'exited', exitCode: 0 }, 4).toString(), '{"metadata":{},"status":"Success"}');
  const st = outcomeStatus({ kind: 'exited', exitCode: 2, cmd: ['ls', '/x'] });
  assert.equal(st.message, 'command terminated with non-zero exit code: error executing command [ls /x], exit code 2');
  assert.deepEqual(st.details, { causes: [{ reason: 'ExitCode', message: '2' }] });
  const internal = JSON.parse(statusPayload({ kind: 'error', message: 'boom' }, 5).toString());
  assert.deepEqual(internal, { metadata: {}, status: 'Failure', message: 'Internal error occurred: boom', reason: 'InternalError', details: { causes: [{ message: 'boom' }] }, code: 500 });
});

test('v1-v3 send nothing on success and the message on failure', () => {
  assert.equal(statusPayload({ kind: 'exited', exitCode: 0 }, 3).length, 0);
  assert.match(statusPayload({ kind: 'exited', exitCode: 1, cmd: ['false'] }, 1).toString(), /^command terminated with non-zero exit code/);
});

test('protocol negotiation follows the client order; header lists split on commas', () => {
  assert.deepEqual(headerList(['v4.channel.k8s.io, v3.channel.k8s.io', 'channel.k8s.io']), ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'channel.k8s.io']);
  assert.equal(negotiate(['x', 'v3.channel.k8s.io', 'v4.channel.k8s.io'], ['v4.channel.k8s.io', 'v3.channel.k8s.io']), 'v3.channel.k8s.io');
  assert.equal(negotiate(['x'], ['y']), undefined);
  assert.equal(remoteCommandVersion('v5.channel.k8s.io'), 5);
  assert.equal(remoteCommandVersion('channel.k8s.io'), 1);
});

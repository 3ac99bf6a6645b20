import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../engine.js';
import { countByState } from './state-counts.js';

test('pods and containers counted by CRI state, absent states reported as 0', () => {
  const engine = {
    pods: { all: () => [{ state: 'SANDBOX_READY' }, { state: 'SANDBOX_READY' }, { state: 'SANDBOX_NOTREADY' }] },
    containers: { store: { list: () => [{ status: { state: 'running' } }, { status: { state: 'exited' } }, { status: { state: 'running' } }] } },
  } as unknown as Engine;
  assert.deepEqual(countByState(engine), {
    pods: { SANDBOX_READY: 2, SANDBOX_NOTREADY: 1 },
    containers: { CONTAINER_CREATED: 0, CONTAINER_RUNNING: 2, CONTAINER_EXITED: 1, CONTAINER_UNKNOWN: 0 },
  });
});

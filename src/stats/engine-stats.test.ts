import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podContainers, selectContainers, selectPods } from './engine-stats.js';
import { parseUeventDevname } from './block-devices.js';
import type { ContainerRecord } from '../container/types.js';
import type { PodRecord } from '../pod/types.js';

const c = (id: string, podId: string, state: string, labels: Record<string, string> = {}) =>
  ({ meta: { id, podId, labels }, status: { state } }) as unknown as ContainerRecord;
const p = (id: string, state: string, labels: Record<string, string> = {}) => ({ id, state, config: { labels } }) as unknown as PodRecord;

test('selectContainers: only created/running, id and pod prefixes, labels ANDed', () => {
  const all = [c('aa1', 'p1', 'running', { app: 'x' }), c('aa2', 'p1', 'exited', { app: 'x' }), c('bb1', 'p2', 'created'), c('bb2', 'p2', 'running', { app: 'y' })];
  assert.deepEqual(selectContainers(all, null).map((r) => r.meta.id), ['aa1', 'bb1', 'bb2']);
  assert.deepEqual(selectContainers(all, { id: 'bb', pod_sandbox_id: '', label_selector: {} }).map((r) => r.meta.id), ['bb1', 'bb2']);
  assert.deepEqual(selectContainers(all, { id: '', pod_sandbox_id: 'p1', label_selector: {} }).map((r) => r.meta.id), ['aa1']);
  assert.deepEqual(selectContainers(all, { id: '', pod_sandbox_id: '', label_selector: { app: 'y' } }).map((r) => r.meta.id), ['bb2']);
  assert.deepEqual(podContainers([...all, c('cc', 'p10', 'running')], 'p1').map((r) => r.meta.id), ['aa1']);
});

test('selectPods: ready only, id prefix, labels', () => {
  const all = [p('p1', 'SANDBOX_READY', { a: '1' }), p('p2', 'SANDBOX_NOTREADY'), p('q1', 'SANDBOX_READY')];
  assert.deepEqual(selectPods(all, null).map((x) => x.id), ['p1', 'q1']);
  assert.deepEqual(selectPods(all, { id: 'q', label_selector: {} }).map((x) => x.id), ['q1']);
  assert.deepEqual(selectPods(all, { id: '', label_selector: { a: '1' } }).map((x) => x.id), ['p1']);
});

test('parseUeventDevname', () => {
  assert.equal(parseUeventDevname('MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n'), 'sda');
  assert.equal(parseUeventDevname('MAJOR=8\n'), undefined);
});

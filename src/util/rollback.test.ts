// The one rollback of multi-step operations (RunPodSandbox, CreateContainer): newest undo first,
// every undo run even when one fails, failures kept for the log, nothing run after a commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rollback } from './rollback.js';

test('undo steps run newest first; a failing one does not stop the rest and is kept', async () => {
  const rb = new Rollback();
  const ran: string[] = [];
  rb.add('a', async () => ran.push('a'));
  rb.add('b', async () => {
    ran.push('b');
    throw new Error('b broke');
  });
  rb.add('c', async () => ran.push('c'));
  await rb.run();
  assert.deepEqual(ran, ['c', 'b', 'a']);
  assert.deepEqual(rb.failures.map((f) => [f.what, String(f.err)]), [['b', 'Error: b broke']]);
  await rb.run();
  assert.deepEqual(ran, ['c', 'b', 'a'], 'each undo runs once');
});

test('after commit nothing is undone', async () => {
  const rb = new Rollback();
  let ran = false;
  rb.add('a', async () => void (ran = true));
  rb.commit();
  await rb.run();
  assert.equal(ran, false);
  assert.deepEqual(rb.failures, []);
});

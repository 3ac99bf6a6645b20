import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore, digestOf } from './content-store.js';

const root = mkdtempSync(join(tmpdir(), 'rktlet-content-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('blobs are stored only when their digest matches; failures leave no file', async () => {
  const c = new ContentStore(root);
  await c.open();
  const data = Buffer.from('hello');
  await c.put(digestOf(data), data);
  assert.ok(await c.has(digestOf(data)));
  assert.deepEqual(await c.read(digestOf(data)), data);
  const wrong = digestOf('other');
  await assert.rejects(c.put(wrong, data), { code: 'INVALID_ARGUMENT' });
  assert.equal(await c.has(wrong), false);
  const w = await c.writer(digestOf('abc'));
  await w.write(Buffer.from('ab'));
  await assert.rejects(w.commit(), /does not match/);
  assert.deepEqual(readdirSync(await c.ingest.dir()), []);
  assert.deepEqual(await c.list(), [digestOf(data)]);
  await c.delete(digestOf(data));
  await c.delete(digestOf(data));
  assert.deepEqual(await c.list(), []);
  await c.close();
});

test('verify checks the digest without publishing; abort after it leaves nothing', async () => {
  const c = new ContentStore(root);
  await c.open();
  const data = Buffer.from('layer bytes');
  const w = await c.writer(digestOf(data));
  await w.write(data);
  await w.verify(data.length);
  assert.equal(await c.has(digestOf(data)), false);
  await w.abort();
  assert.deepEqual(readdirSync(await c.ingest.dir()), []);
  assert.deepEqual(await c.list(), []);
  const w2 = await c.writer(digestOf(data));
  await w2.write(data);
  await w2.verify(data.length);
  await w2.commit();
  assert.equal(w2.committed, true);
  assert.deepEqual(await c.list(), [digestOf(data)]);
  await c.close();
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore, type StoredImage } from './image-store.js';

const root = mkdtempSync(join(tmpdir(), 'rktlet-imgstore-'));
after(() => rmSync(root, { recursive: true, force: true }));

const id = (c: string) => 'sha256:' + c.repeat(64);
function rec(c: string): StoredImage {
  return { id: id(c), repoTags: [], repoDigests: [], size: 1, config: {}, chainIds: [], createdAt: '1', manifestDigest: id('f'), layers: [], blobs: [id(c)] };
}

test('tags move between images; digests stay; every name resolves; other processes see changes', async () => {
  const s = new ImageStore(root);
  await s.open();
  await s.put(rec('a'), 'docker.io/library/app:1', `docker.io/library/app@${id('1')}`);
  await s.put(rec('b'), 'docker.io/library/app:1', `docker.io/library/app@${id('2')}`);
  assert.deepEqual(s.get(id('a'))?.repoTags, []);
  assert.deepEqual(s.get(id('a'))?.repoDigests, [`docker.io/library/app@${id('1')}`]);
  assert.equal(s.resolve('app:1')?.id, id('b'));
  assert.equal(s.resolve('docker.io/library/app:1')?.id, id('b'));
  assert.equal(s.resolve(`app@${id('1')}`)?.id, id('a'));
  assert.equal(s.resolve('a'.repeat(12))?.id, id('a'));
  assert.equal(s.resolve(id('b').slice(7))?.id, id('b'));
  assert.equal(s.resolve('app:2'), undefined);
  assert.equal(s.resolve('NOT A REF'), undefined);

  // A second store on the same root (another process) sees writes after refresh.
  const other = new ImageStore(root);
  await other.open();
  await other.delete(id('b'));
  assert.equal(s.resolve('app:1'), undefined);
  assert.equal(s.list().length, 1);
  assert.deepEqual([...s.referenced().blobs], [id('a')]);
});

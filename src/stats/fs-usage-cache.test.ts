import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FsUsageCache, type FsUsage, type FsUsageSources } from './fs-usage-cache.js';

/** Sources whose figures the test sets, counting the walks. */
function fakeSources() {
  const layers = new Map<string, FsUsage>();
  let image: FsUsage = { bytes: 1000, inodes: 10 };
  const walks = { layer: 0, image: 0 };
  let gate: Promise<void> = Promise.resolve();
  const src: FsUsageSources = {
    activeKeys: async () => [...layers.keys()],
    layerUsage: async (key) => {
      walks.layer++;
      await gate;
      const u = layers.get(key);
      if (!u) throw new Error('no writable layer');
      return { ...u };
    },
    imageFsUsage: async () => {
      walks.image++;
      await gate;
      return { ...image };
    },
  };
  return {
    src,
    layers,
    walks,
    setImage: (u: FsUsage) => (image = u),
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
  };
}

test('a layer is walked once, then answered from the cache until the sampler walks it again', async () => {
  const f = fakeSources();
  const cache = new FsUsageCache(f.src, 3600_000);
  f.layers.set('a', { bytes: 4096, inodes: 1 });
  assert.deepEqual(await cache.layer('a'), { bytes: 4096, inodes: 1 });
  f.layers.set('a', { bytes: 8192, inodes: 2 });
  assert.deepEqual(await cache.layer('a'), { bytes: 4096, inodes: 1 });
  assert.equal(f.walks.layer, 1);
  await cache.sampleNow();
  assert.deepEqual(await cache.layer('a'), { bytes: 8192, inodes: 2 });
  cache.stop();
});

test('concurrent asks for a layer never sampled share one walk', async () => {
  const f = fakeSources();
  const cache = new FsUsageCache(f.src, 3600_000);
  f.layers.set('a', { bytes: 1, inodes: 1 });
  const release = f.hold();
  const asks = Promise.all([cache.layer('a'), cache.layer('a'), cache.layer('a')]);
  release();
  assert.equal((await asks).length, 3);
  assert.equal(f.walks.layer, 1);
  cache.stop();
});

test('the background sampler refreshes the figures within its period', async () => {
  const f = fakeSources();
  const cache = new FsUsageCache(f.src, 50);
  f.layers.set('a', { bytes: 1, inodes: 1 });
  assert.deepEqual(await cache.layer('a'), { bytes: 1, inodes: 1 });
  f.layers.set('a', { bytes: 2, inodes: 2 });
  f.setImage({ bytes: 5, inodes: 5 });
  const until = Date.now() + 5000;
  while ((await cache.layer('a'))?.bytes !== 2 || (await cache.imageFs()).bytes !== 5) {
    assert.ok(Date.now() < until, 'not refreshed within 5 s with a 50 ms period');
    await sleep(20);
  }
  cache.stop();
});

test('invalidateImageFs: the next ask walks again, and a walk that began before it does not fill the cache', async () => {
  const f = fakeSources();
  const cache = new FsUsageCache(f.src, 3600_000);
  assert.equal((await cache.imageFs()).bytes, 1000);
  f.setImage({ bytes: 2000, inodes: 20 });
  assert.equal((await cache.imageFs()).bytes, 1000, 'cached until told');
  const release = f.hold();
  const stale = cache.imageFs().catch(() => undefined); // still cached: no walk
  cache.invalidateImageFs();
  const during = cache.imageFs();
  f.setImage({ bytes: 3000, inodes: 30 });
  cache.invalidateImageFs(); // a second pull while the first walk runs
  release();
  await stale;
  await during;
  assert.equal((await cache.imageFs()).bytes, 3000);
  cache.stop();
});

test('a forgotten container is not put back by a walk in flight; containersFs sums the live layers only', async () => {
  const f = fakeSources();
  const cache = new FsUsageCache(f.src, 3600_000);
  f.layers.set('a', { bytes: 10, inodes: 1 });
  f.layers.set('b', { bytes: 20, inodes: 2 });
  assert.deepEqual(await cache.containersFs(), { bytes: 30, inodes: 3 });
  f.layers.set('c', { bytes: 5, inodes: 5 });
  const release = f.hold();
  const inFlight = cache.layer('c');
  cache.forget('c');
  release();
  assert.deepEqual(await inFlight, { bytes: 5, inodes: 5 });
  f.layers.set('c', { bytes: 6, inodes: 6 });
  assert.deepEqual(await cache.layer('c'), { bytes: 6, inodes: 6 }, 'walked again, not the forgotten figure');
  f.layers.delete('c');
  cache.forget('c');
  f.layers.delete('b');
  cache.forget('b');
  assert.deepEqual(await cache.containersFs(), { bytes: 10, inodes: 1 });
  // Gone from disk without an event: the next sampler round drops it.
  f.layers.delete('a');
  await cache.sampleNow();
  assert.deepEqual(await cache.containersFs(), { bytes: 0, inodes: 0 });
  cache.stop();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { configCacheDir, keyName, MAX_ENTRIES, readCached, writeCached } from './validated-cache.js';
import { ConfigError } from '../errors/catalog.js';
import { tempDir } from '../util/test-temp-dir.js';

function cacheIn(base: string): string {
  const dir = join(base, 'cache');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

test('a config validated once comes from the cache, the same as validating it', () => {
  const base = tempDir('rktlet-vcache-');
  const dir = cacheIn(base);
  const file = join(base, 'rktlet.toml');
  writeFileSync(file, '[image]\ninsecure_registries = ["127.0.0.1:5000"]\n');
  const overrides = { root: join(base, 'root') };
  const plain = loadConfig({ file, overrides });
  const first = loadConfig({ file, overrides, cacheDir: dir });
  assert.deepEqual(first, plain);
  assert.equal(readdirSync(dir).length, 1);
  // Proves the second load reads the entry: a doctored value (under the same key) comes back.
  const [name] = readdirSync(dir);
  const entry = JSON.parse(readFileSync(join(dir, name!), 'utf8')) as { key: string; value: { image: { insecure_registries: string[] } } };
  entry.value.image.insecure_registries = ['from-cache'];
  writeFileSync(join(dir, name!), JSON.stringify(entry));
  assert.deepEqual(loadConfig({ file, overrides, cacheDir: dir }).config.image.insecure_registries, ['from-cache']);
  // Other flags are other inputs: validated afresh.
  assert.deepEqual(loadConfig({ file, overrides: { root: join(base, 'other') }, cacheDir: dir }).config.image.insecure_registries, ['127.0.0.1:5000']);
});

test('a changed file is validated again: an error is never hidden by an earlier success', () => {
  const base = tempDir('rktlet-vcache-');
  const dir = cacheIn(base);
  const file = join(base, 'rktlet.toml');
  writeFileSync(file, '[grpc]\nsocket_mode = "0660"\n');
  assert.equal(loadConfig({ file, cacheDir: dir }).config.grpc.socket_mode, '0660');
  writeFileSync(file, '[grpc]\nsocket_mode = "rw"\n');
  assert.throws(() => loadConfig({ file, cacheDir: dir }), (e: unknown) => e instanceof ConfigError && /octal/.test(e.message));
  writeFileSync(file, '[grpc]\nsocket_mod = "0660"\n');
  assert.throws(() => loadConfig({ file, cacheDir: dir }), /unknown key grpc.socket_mod/);
});

test('an entry is used only under exactly its key', () => {
  const dir = cacheIn(tempDir('rktlet-vcache-'));
  writeCached(dir, 'k1', { a: 1 });
  assert.deepEqual(readCached(dir, 'k1'), { a: 1 });
  assert.equal(readCached(dir, 'k2'), undefined);
  // Same file name, other key (a collision): not used.
  writeFileSync(join(dir, keyName('k3')), JSON.stringify({ key: 'not-k3', value: { a: 2 } }));
  assert.equal(readCached(dir, 'k3'), undefined);
  // What JSON cannot give back unchanged is not kept.
  writeCached(dir, 'k4', { a: undefined, b: new Date(0) });
  assert.equal(readCached(dir, 'k4'), undefined);
});

test('the cache keeps at most MAX_ENTRIES', () => {
  const dir = cacheIn(tempDir('rktlet-vcache-'));
  for (let i = 0; i < MAX_ENTRIES + 5; i++) writeCached(dir, `key-${i}`, { i });
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.json')).length, MAX_ENTRIES);
});

test('only a private directory of root is used', { skip: process.geteuid?.() !== 0 && 'needs root' }, () => {
  const base = tempDir('rktlet-vcache-');
  chmodSync(base, 0o700);
  assert.equal(configCacheDir(join(base, 'c')), join(base, 'c'));
  chmodSync(join(base, 'c'), 0o755);
  assert.equal(configCacheDir(join(base, 'c')), undefined);
});

test('the host facts the schema reads are part of the key: the auto cgroup driver follows /run/systemd/system', () => {
  // The key holds systemdBooted(): an entry made under the other answer is not used. Simulated by
  // doctoring the entry's driver: were the host fact left out, the doctored value would come back.
  const base = tempDir('rktlet-vcache-');
  const dir = cacheIn(base);
  const overrides = { root: join(base, 'root') };
  const first = loadConfig({ file: null, overrides, cacheDir: dir }).config.runtime.cgroup_driver;
  const [name] = readdirSync(dir);
  const entry = JSON.parse(readFileSync(join(dir, name!), 'utf8')) as { key: string; value: { runtime: { cgroup_driver: string } } };
  assert.match(entry.key, /systemd=(true|false)/);
  entry.key = entry.key.replace(/systemd=(true|false)/, (_m, b: string) => `systemd=${b === 'true' ? 'false' : 'true'}`);
  entry.value.runtime.cgroup_driver = first === 'systemd' ? 'cgroupfs' : 'systemd';
  writeFileSync(join(dir, keyName(entry.key)), JSON.stringify(entry));
  assert.equal(loadConfig({ file: null, overrides, cacheDir: dir }).config.runtime.cgroup_driver, first);
});

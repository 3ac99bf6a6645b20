import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { silentLogger } from '../log/logger.js';
import { previousPort, savePort } from './port-file.js';
import type { StreamingRequest } from './remotecommand.js';
import { TokenCache } from './token-cache.js';
import { PersistentTokens } from './token-file.js';

const exec: StreamingRequest = { kind: 'exec', containerId: 'c1', cmd: ['echo', 'secret-arg'], stdin: false, stdout: true, stderr: true, tty: false };

test('tokens persist as hashes (0600), come back in a new cache, work once, and expire', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rktlet-tokens-')), 'streaming');
  try {
    let now = 1000;
    const a = new PersistentTokens(new TokenCache(60_000, 1000, () => now), silentLogger(), dir);
    await a.load();
    const t1 = await a.insert(exec);
    const t2 = await a.insert({ kind: 'portforward', podSandboxId: 'p', ports: [80] });
    const t3 = await a.insert(exec);
    assert.equal(await a.consume(t3), exec);
    const file = join(dir, 'tokens.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const raw = readFileSync(file, 'utf8');
    for (const t of [t1, t2, t3]) assert.ok(!raw.includes(t));

    // A new daemon: t1 and t2 are back, t3 was used before the restart; a killed write's temp file goes.
    writeFileSync(join(dir, 'tokens.json.abc.tmp'), '[]');
    const b = new PersistentTokens(new TokenCache(60_000, 1000, () => now), silentLogger(), dir);
    assert.equal(await b.load(), 2);
    assert.deepEqual(readdirSync(dir).sort(), ['tokens.json']);
    assert.deepEqual(await b.consume(t1), exec);
    assert.equal(await b.consume(t1), undefined);
    assert.equal(await b.consume(t3), undefined);
    now += 60_000; // t2 expired while the daemon was away
    const c = new PersistentTokens(new TokenCache(60_000, 1000, () => now), silentLogger(), dir);
    assert.equal(await c.load(), 0);
    assert.equal(await c.consume(t2), undefined);
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('a corrupt or hand-edited token file is ignored (bad entries dropped), never fatal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-tokens-'));
  try {
    const load = async (content: string) => {
      writeFileSync(join(dir, 'tokens.json'), content);
      return new PersistentTokens(new TokenCache(60_000), silentLogger(), dir).load();
    };
    assert.equal(await load('{not json'), 0);
    assert.equal(await load('{"a":1}'), 0);
    const good = { hash: 'a'.repeat(64), expires: Date.now() + 10_000, value: exec };
    assert.equal(await load(JSON.stringify([good, { ...good, hash: 'x' }, { ...good, value: { kind: 'exec', cmd: 'rm -rf /' } }, null, 7])), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the streaming port is remembered per address', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-port-'));
  try {
    assert.equal(await previousPort(dir, '127.0.0.1'), undefined);
    await savePort(dir, '127.0.0.1', 41234);
    assert.equal(await previousPort(dir, '127.0.0.1'), 41234);
    assert.equal(await previousPort(dir, '0.0.0.0'), undefined);
    writeFileSync(join(dir, 'port.json'), '{"address":"127.0.0.1","port":70000}');
    assert.equal(await previousPort(dir, '127.0.0.1'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerStore } from './store.js';
import { emptyResources } from '../oci/spec/resources.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import type { ContainerRecord } from './types.js';

function rec(id: string, name = id): ContainerRecord {
  return {
    meta: {
      id, podId: 'pod1', name, attempt: 0, image: 'busybox', imageAnnotations: {}, imageId: 'sha256:1', imageRef: 'sha256:1',
      labels: {}, annotations: {}, logPath: '', tty: false, stdin: false, stdinOnce: false, mounts: [],
      user: { uid: 0, gid: 0, additionalGids: [0] }, stopSignal: 'SIGTERM', runtimeHandler: 'runc', bundle: '/b', rootfs: '/r',
      cgroupsPath: '', createdAtNs: '1',
    },
    status: { state: 'created', pid: 0, startedAtNs: '0', finishedAtNs: '0', exitCode: 0, reason: '', message: '', resources: emptyResources() },
  };
}

test('add, get by prefix, update, recover, idempotent delete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctr-store-'));
  try {
    const s = new ContainerStore(dir);
    await s.recover();
    await s.add(rec('abc123'));
    await s.add(rec('abd456'));
    assert.equal(s.get('abc').meta.id, 'abc123');
    assert.throws(() => s.get('ab'), InvalidArgumentError);
    assert.throws(() => s.get('zzz'), NotFoundError);
    assert.throws(() => s.reserveName({ podId: 'pod1', name: 'abc123', attempt: 0 }, 'x'), AlreadyExistsError);
    await s.updateStatus('abc123', (st) => ({ ...st, state: 'running', pid: 42 }));

    // A half-written create (meta only) is skipped on recovery.
    mkdirSync(join(dir, 'half'));
    writeFileSync(join(dir, 'half', 'meta.json'), JSON.stringify(rec('half').meta));
    const s2 = new ContainerStore(dir);
    const r = await s2.recover();
    assert.equal(r.loaded, 2);
    assert.deepEqual(r.broken.map((b) => b.id), ['half']);
    assert.equal(s2.get('abc123').status.state, 'running');
    assert.equal(s2.get('abc123').status.pid, 42);

    await s2.delete('abc123');
    await s2.delete('abc123');
    assert.equal(s2.find('abc123'), undefined);
    s2.reserveName({ podId: 'pod1', name: 'abc123', attempt: 0 }, 'new');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

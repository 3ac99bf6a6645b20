// Two container stores on one directory stand for the daemon and a CLI process: what one writes,
// the other's sync finds (with one external-change callback per change), and a status update
// starts from the file, not from a stale copy in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerStore } from '../../src/container/store.js';
import type { ContainerRecord } from '../../src/container/types.js';

function record(n: number): ContainerRecord {
  const id = n.toString(16).padStart(64, '0');
  return {
    meta: { id, podId: 'pod', name: `c${n}`, attempt: 0 } as ContainerRecord['meta'],
    status: { state: 'created', pid: 0, startedAtNs: '0', finishedAtNs: '0', exitCode: 0, reason: '', message: '' } as ContainerRecord['status'],
  };
}

test('sync: adds, changes and removals made by another store; updates read the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-sync-'));
  try {
    const daemon = new ContainerStore(dir);
    const cli = new ContainerStore(dir);
    await daemon.recover();
    await cli.recover();
    const seen: string[] = [];
    daemon.onExternal = (kind, r, prev) => seen.push(`${kind}:${r.meta.name}:${prev ?? ''}>${r.status.state}`);

    const r = record(1);
    await cli.add(r);
    await daemon.sync();
    assert.equal(daemon.get(r.meta.id).status.state, 'created');
    await daemon.sync(); // nothing new: no second report
    assert.deepEqual(seen, ['added:c1:>created']);

    await cli.updateStatus(r.meta.id, (s) => ({ ...s, state: 'running', pid: 42, startedAtNs: '5' }));
    await daemon.sync();
    assert.equal(daemon.get(r.meta.id).status.pid, 42);
    assert.deepEqual(seen.slice(1), ['changed:c1:created>running']);

    // The daemon's copy is stale after another CLI change; its own update still starts from the file.
    await cli.updateStatus(r.meta.id, (s) => ({ ...s, message: 'from the cli' }));
    const next = await daemon.updateStatus(r.meta.id, (s) => ({ ...s, state: 'exited', exitCode: 3 }));
    assert.deepEqual([next.state, next.exitCode, next.message, next.pid], ['exited', 3, 'from the cli', 42]);
    await cli.sync();
    assert.equal(cli.get(r.meta.id).status.state, 'exited');

    // A record this process is changing (busy) is left alone by sync.
    daemon.busy = (id) => id === r.meta.id;
    await cli.updateStatus(r.meta.id, (s) => ({ ...s, message: 'again' }));
    await daemon.sync();
    assert.equal(daemon.get(r.meta.id).status.message, 'from the cli');
    daemon.busy = () => false;
    await daemon.reload(r.meta.id);
    assert.equal(daemon.get(r.meta.id).status.message, 'again');

    await cli.delete(r.meta.id);
    await daemon.sync();
    assert.equal(daemon.find(r.meta.id), undefined);
    assert.equal(seen.at(-1), 'removed:c1:>exited');
    // The name is free again in the daemon too.
    daemon.reserveName({ podId: 'pod', name: 'c1', attempt: 0 }, 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

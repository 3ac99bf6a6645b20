import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pool, errorText, podConfig, containerConfig, RUN_LABEL } from './pods.js';

test('pool keeps order, bounds concurrency, throws the first error after all settle', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await pool([5, 1, 3, 2], 2, async (x) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, x));
    inFlight--;
    return x * 10;
  });
  assert.deepEqual(out, [50, 10, 30, 20]);
  assert.equal(peak, 2);
  const seen: number[] = [];
  await assert.rejects(
    pool([1, 2, 3], 3, async (x) => {
      seen.push(x);
      if (x === 2) throw new Error('two');
      return x;
    }),
    /two/,
  );
  assert.deepEqual(seen.sort(), [1, 2, 3]);
});

test('errorText names the gRPC code of a call error', () => {
  const e = Object.assign(new Error('12 UNIMPLEMENTED: x'), { code: 12, details: 'RunPodSandbox is not implemented' });
  assert.equal(errorText(e), 'gRPC UNIMPLEMENTED: RunPodSandbox is not implemented');
  assert.equal(errorText(new Error('plain')), 'plain');
  assert.equal(errorText('s'), 's');
});

test('pods and containers carry the run label; the pod log dir exists', () => {
  const d = mkdtempSync(join(tmpdir(), 'bench-pods-'));
  try {
    const p = podConfig({ runId: 'r1', name: 'lc-1', logRoot: d });
    assert.equal(p.labels?.[RUN_LABEL], 'r1');
    assert.equal(p.metadata?.name, 'lc-1');
    assert.ok(p.log_directory && existsSync(p.log_directory));
    const c = containerConfig('r1', 'app', 'img');
    assert.equal(c.labels?.[RUN_LABEL], 'r1');
    assert.deepEqual(c.image, { image: 'img' });
    // The same seccomp request to both runtimes (containerd would otherwise run them unconfined).
    assert.equal(c.linux?.security_context?.seccomp?.profile_type, 'RuntimeDefault');
    assert.equal(p.linux?.security_context?.seccomp?.profile_type, 'RuntimeDefault');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

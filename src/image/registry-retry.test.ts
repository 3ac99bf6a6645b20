import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../errors/catalog.js';
import { classifyTransport, parseRetryAfter, RetryBudget, StallError, TransientRegistryError } from './registry-retry.js';

test('Retry-After: seconds or a date, never negative, capped at a minute', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter('-5'), 0);
  assert.equal(parseRetryAfter('86400'), 60_000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('the budget doubles its waits, honours Retry-After, and says the attempts once when spent', async () => {
  const waits: number[] = [];
  const b = new RetryBudget({ retries: 2, delayMs: 1 });
  const e = new TransientRegistryError('registry r answered HTTP 503 for blob b');
  await b.next(e, (ms) => waits.push(ms));
  const slow = new TransientRegistryError('429');
  slow.retryAfterMs = 5;
  await b.next(slow, (ms) => waits.push(ms));
  assert.deepEqual(waits, [1, 5]);
  await assert.rejects(b.next(e), { message: 'registry r answered HTTP 503 for blob b (3 attempts; image.pull_retries = 2)' });
  await assert.rejects(b.next(e), { message: 'registry r answered HTTP 503 for blob b (3 attempts; image.pull_retries = 2)' });
  assert.equal(b.attempts, 3);
});

test('only transient faults are retried; a stall after progress is not', async () => {
  const b = new RetryBudget({ retries: 5, delayMs: 0 });
  const notFound = new NotFoundError('gone');
  await assert.rejects(b.next(notFound), notFound);
  const stalled = new StallError('stopped sending', false);
  await assert.rejects(b.next(stalled), stalled);
  await b.next(new StallError('no answer', true));
  assert.equal(b.attempts, 2);
});

test('a cancelled pull stops waiting at once', async () => {
  const ac = new AbortController();
  const b = new RetryBudget({ retries: 3, delayMs: 60_000 }, ac.signal);
  const t0 = Date.now();
  const p = b.next(new TransientRegistryError('503'));
  ac.abort();
  await assert.rejects(p, { code: 'CANCELLED' });
  assert.ok(Date.now() - t0 < 1000);
});

test('transport errors: timeouts are stalls, broken connections transient, the rest left alone', () => {
  const wrap = (code: string) => Object.assign(new Error('x'), { cause: Object.assign(new Error('inner'), { code }) });
  const h = classifyTransport(wrap('UND_ERR_HEADERS_TIMEOUT'), 'registry r', 'blob b', 2);
  assert.ok(h instanceof StallError && h.beforeProgress);
  assert.match(h.message, /within 2 s \(image\.pull_progress_timeout_seconds\)/);
  const body = classifyTransport(wrap('UND_ERR_BODY_TIMEOUT'), 'r', 'blob b', 2);
  assert.ok(body instanceof StallError && !body.beforeProgress);
  assert.ok(classifyTransport(wrap('ECONNRESET'), 'r', 'blob b', 2) instanceof TransientRegistryError);
  assert.equal(classifyTransport(wrap('ECONNREFUSED'), 'r', 'blob b', 2), undefined);
  assert.equal(classifyTransport(new NotFoundError('x'), 'r', 'blob b', 2), undefined);
});

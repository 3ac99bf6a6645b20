import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { CriClient } from './cri-client.js';

test('a call on a closed client fails UNAVAILABLE (grpc-js alone throws a code-less error)', async () => {
  const c = new CriClient('/nonexistent/rktlet-test.sock');
  c.close();
  await assert.rejects(c.runtime('Version', {}), (err: Error & { code?: number }) => {
    assert.equal(err.code, status.UNAVAILABLE);
    assert.match(err.message, /Version: the client was closed/);
    return true;
  });
  await assert.rejects(c.image('ListImages', {}), { code: status.UNAVAILABLE });
});

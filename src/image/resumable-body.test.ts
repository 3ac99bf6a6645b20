import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { BlobResponse } from './registry-client.js';
import { resumableBody } from './resumable-body.js';

const ep = { base: 'http://r', mirror: false, insecure: true, registry: 'r' };

/** A body that sends `bytes` and then breaks (when `breakAfter`). */
function body(bytes: Buffer, breakAfter?: boolean): Readable {
  return new Readable({
    read() {
      if (bytes.length) {
        this.push(bytes);
        bytes = Buffer.alloc(0);
      } else if (breakAfter) this.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
      else this.push(null);
    },
  });
}

const resp = (b: Readable, partial = false, acceptRanges = true): BlobResponse => ({ body: b, size: undefined, endpoint: ep, acceptRanges, partial });

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test('a break resumes from the offset reached; a registry ignoring the range has the start skipped', async () => {
  const all = Buffer.from('0123456789');
  const asked: number[] = [];
  for (const partial of [true, false]) {
    asked.length = 0;
    const r = resumableBody(resp(body(all.subarray(0, 4), true)), {
      beforeResume: async () => undefined,
      reopen: async (offset) => {
        asked.push(offset);
        return resp(body(partial ? all.subarray(offset) : all), partial);
      },
    });
    assert.equal((await collect(r)).toString(), '0123456789');
    assert.deepEqual(asked, [4]);
  }
});

test('no ranges, nothing received yet, or no attempt left: the error goes on', async () => {
  const noRanges = resp(body(Buffer.from('ab'), true), false, false);
  assert.equal(resumableBody(noRanges, { beforeResume: async () => undefined, reopen: () => assert.fail() }), noRanges.body);
  await assert.rejects(collect(resumableBody(resp(body(Buffer.alloc(0), true)), { beforeResume: async () => undefined, reopen: () => assert.fail() })), /other side closed/);
  const spent = new Error('3 attempts');
  await assert.rejects(collect(resumableBody(resp(body(Buffer.from('ab'), true)), { beforeResume: () => Promise.reject(spent), reopen: () => assert.fail() })), spent);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { NotFoundError } from '../errors/catalog.js';
import { neverConnected, registryTransportError } from './registry-errors.js';

/** The error undici really throws for `url` (none expected to answer). */
async function failureOf(url: string): Promise<unknown> {
  try {
    const r = await request(url);
    await r.body.dump();
  } catch (err) {
    return err;
  }
  throw new Error(`${url} answered`);
}

test('TLS to a plain-HTTP server: FAILED_PRECONDITION naming the registry and image.insecure_registries, no OpenSSL text', async (t) => {
  const srv = createServer((_q, r) => r.end('plain'));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const port = (srv.address() as AddressInfo).port;
  const raw = await failureOf(`https://127.0.0.1:${port}/v2/`);
  assert.match(String((raw as Error).message), /wrong version number|packet length/, 'the raw failure is OpenSSL speaking');
  assert.equal(neverConnected(raw), false, 'TLS was spoken: plain HTTP may be tried');
  const e = registryTransportError('10.9.8.7:5000', false, raw);
  assert.equal(e.code, 'FAILED_PRECONDITION');
  assert.match(e.message, /registry 10\.9\.8\.7:5000 does not answer over TLS/);
  assert.match(e.message, /image\.insecure_registries: add "10\.9\.8\.7:5000"/);
  assert.doesNotMatch(e.message, /ssl|openssl|0A00/i);
  assert.equal(e.cause, raw);
});

test('a refused connection is UNAVAILABLE and names the registry; our own errors pass through', async () => {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  const refused = await failureOf(`https://127.0.0.1:${port}/v2/`);
  assert.equal(neverConnected(refused), true, 'a TLS registry that is down is not taken for a plain-HTTP one');
  const e = registryTransportError(`127.0.0.1:${port}`, true, refused);
  assert.equal(e.code, 'UNAVAILABLE');
  assert.match(e.message, new RegExp(`registry 127\\.0\\.0\\.1:${port} unreachable \\(ECONNREFUSED`));
  const nf = new NotFoundError('x');
  assert.equal(registryTransportError('r', false, nf), nf);
});

test('certificate failures say why in words and how to fix it', () => {
  const err = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  const e = registryTransportError('reg.example:443', false, err);
  assert.equal(e.code, 'FAILED_PRECONDITION');
  assert.match(e.message, /cannot reach registry reg\.example:443 over TLS: its certificate is self-signed; .*"reg\.example:443" in image\.insecure_registries/);
});

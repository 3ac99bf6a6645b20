// fetchReferrerBundles against a loopback HTTP server that answers as registries do: statuses the
// real test registry (distribution 2.8, test/integration/image-trust-referrers.test.ts) never gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { cosignKey } from '../../../test/fixtures/cosign.js';
import { bundleReferrer, dsseBundle, referrerDescriptor, referrersIndex } from '../../../test/fixtures/sigstore-bundle.js';
import type { Blob } from '../../../test/fixtures/oci-image.js';
import { digestOf } from '../content-store.js';
import { parseReference } from '../reference.js';
import { RegistryClient } from '../registry-client.js';
import { fetchReferrerBundles } from './referrers.js';

const subjectBytes = Buffer.from('{"schemaVersion":2,"marker":"subject"}');
const subject: Blob = { digest: digestOf(subjectBytes), bytes: subjectBytes, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
const good = bundleReferrer(dsseBundle(cosignKey(), subject.digest), subject);
// A referrer whose own manifest names another subject (the tag's index is only the registry's word).
const stray = bundleReferrer(dsseBundle(cosignKey(), subject.digest), { ...subject, digest: `sha256:${'e'.repeat(64)}` });
const index = referrersIndex([
  referrerDescriptor(good),
  referrerDescriptor(stray),
  { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'f'.repeat(64)}`, size: 1, artifactType: 'application/spdx+json' },
  { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: '../../etc/passwd', size: 1, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
]);

/** A registry whose referrers endpoint answers `apiStatus` (200: the index) and that may hold the tag. */
async function registry(t: { after(fn: () => unknown): void }, apiStatus: number, tagged: boolean): Promise<{ host: string; paths: string[] }> {
  const blobs = new Map<string, Blob>([good.manifest, good.bundle, stray.manifest, stray.bundle].map((b) => [b.digest, b]));
  const paths: string[] = [];
  const srv = createServer((q, r) => {
    const path = q.url ?? '';
    paths.push(path);
    const send = (b: Blob | undefined) => {
      if (!b) return void r.writeHead(404).end();
      r.writeHead(200, { 'content-type': b.mediaType }).end(b.bytes);
    };
    if (path.includes('/referrers/')) return apiStatus === 200 ? send(index) : void r.writeHead(apiStatus).end();
    if (path.endsWith(`/manifests/${subject.digest.replace(':', '-')}`)) return send(tagged ? index : undefined);
    send(blobs.get(path.slice(path.lastIndexOf('/') + 1)));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  return { host: `127.0.0.1:${(srv.address() as AddressInfo).port}`, paths };
}

async function list(host: string) {
  const client = new RegistryClient({ mirrors: {}, insecure_registries: [], max_manifest_bytes: 4 << 20, pull_retries: 0 }, pino({ level: 'silent' }));
  try {
    return await fetchReferrerBundles(client, parseReference(`${host}/team/app:v1`), subject.digest, { creds: undefined, signal: undefined, endpoint: undefined });
  } finally {
    await client.close();
  }
}

test('the API index: bundle referrers only (not other artifact types nor malformed digests), each checked against its own manifest', async (t) => {
  const reg = await registry(t, 200, false);
  const r = await list(reg.host);
  assert.equal(r.source, 'the referrers API');
  assert.deepEqual(
    r.bundles.map((b) => [b.manifestDigest, 'problem' in b ? b.problem : b.bytes.equals(good.bundle.bytes)]),
    [
      [good.manifest.digest, true],
      [stray.manifest.digest, `its manifest's subject is "sha256:${'e'.repeat(64)}", not ${subject.digest}`],
    ],
  );
  assert.ok(!reg.paths.some((p) => p.includes('passwd') || p.includes('f'.repeat(64))), reg.paths.join('\n'));
});

for (const status of [404, 400, 405]) {
  test(`a referrers endpoint answering ${status} falls back to the referrers tag`, async (t) => {
    const r = await list((await registry(t, status, true)).host);
    assert.equal(r.source, `the referrers tag ${subject.digest.replace(':', '-')}`);
    assert.equal(r.bundles.length, 2);
  });
}

test('no API and no tag: no bundles, and the message can say where it looked', async (t) => {
  assert.deepEqual(await list((await registry(t, 404, false)).host), { source: `the referrers tag ${subject.digest.replace(':', '-')}`, bundles: [] });
});

test('any other answer from the referrers endpoint is an error, not an empty list', async (t) => {
  await assert.rejects(list((await registry(t, 403, true)).host), /answered HTTP 403 for the referrers of team\/app@sha256:/);
});

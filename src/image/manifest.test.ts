import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, selectPlatform, parsePlatform, type ImageIndex } from './manifest.js';

const d = (c: string) => 'sha256:' + c.repeat(64);

test('a manifest list resolves to the wanted platform, arm64 defaulting to v8', () => {
  const idx = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [
          { mediaType: 'x', digest: d('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: 'x', digest: d('b'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: 'x', digest: d('c'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        ],
      }),
    ),
  ) as ImageIndex;
  assert.equal(idx.kind, 'index');
  assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'amd64' }).digest, d('a'));
  assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'arm64' }).digest, d('b'));
  assert.throws(() => selectPlatform(idx, { os: 'linux', architecture: 's390x' }), { code: 'NOT_FOUND' });
  assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
});

test('bad manifests are refused', () => {
  assert.throws(() => parseManifest(Buffer.from('{')), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}')), { code: 'FAILED_PRECONDITION' });
  assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: 'md5:x', size: 1 }, layers: [] }))), {
    code: 'INVALID_ARGUMENT',
  });
});

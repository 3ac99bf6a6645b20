import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cosignKey } from '../../../test/fixtures/cosign.js';
import { dsseBundle, messageBundle, signStatement, tamperedBundle, withRekorEntry } from '../../../test/fixtures/sigstore-bundle.js';
import { digestOf } from '../content-store.js';
import { parseReference } from '../reference.js';
import { bundleRejection, type PulledManifest } from './bundle-verify.js';
import { parsePublicKey } from './policy.js';

const key = cosignKey();
const pub = parsePublicKey(key.publicPem, 'test key');
const other = parsePublicKey(cosignKey().publicPem, 'other');
const bytes = Buffer.from('{"schemaVersion":2,"marker":"pulled"}');
const M: PulledManifest = { digest: digestOf(bytes), bytes };
const otherBytes = Buffer.from('{"schemaVersion":2,"marker":"other"}');
const OTHER = digestOf(otherBytes);
const REF = parseReference('registry.example.com/team/app:v1');
const PINNED = parseReference(`registry.example.com/team/app@${M.digest}`);
const REPO = { type: 'matchRepository' } as const;

const check = (b: Buffer, keys = [pub], ref = REF, id: Parameters<typeof bundleRejection>[4] = REPO) => bundleRejection(b, keys, M, ref, id);

test("cosign's DSSE bundle of the pulled digest, by the key, is accepted (also among several keys)", async () => {
  assert.equal(await check(dsseBundle(key, M.digest)), undefined);
  assert.equal(await check(dsseBundle(key, M.digest), [other, pub]), undefined);
});

test('a messageSignature bundle over the manifest bytes is accepted', async () => {
  assert.equal(await check(messageBundle(key, bytes)), undefined);
});

test('another key is refused, for either content kind', async () => {
  assert.equal(await check(dsseBundle(key, M.digest), [other]), 'it is not signed by the trusted key');
  assert.equal(await check(messageBundle(key, bytes), [other]), 'it is not signed by the trusted key');
  assert.equal(await check(dsseBundle(key, M.digest), [other, other]), 'it is not signed by any of the trusted keys');
});

test('a tampered bundle (payload swapped after signing) is refused before its content is read', async () => {
  assert.equal(await check(tamperedBundle(dsseBundle(key, OTHER), signStatement(M.digest))), 'it is not signed by the trusted key');
});

test("a valid bundle of another manifest's digest is refused, naming it", async () => {
  assert.equal(await check(dsseBundle(key, OTHER)), `it signs the manifest ${OTHER}, not ${M.digest}`);
  assert.equal(await check(messageBundle(key, otherBytes)), `it signs the manifest ${OTHER}, not ${M.digest}`);
});

test('a messageSignature whose digest names the pulled manifest but signs other bytes is refused', async () => {
  const b = JSON.parse(messageBundle(key, otherBytes).toString()) as { messageSignature: { messageDigest: { digest: string } } };
  b.messageSignature.messageDigest.digest = Buffer.from(M.digest.slice(7), 'hex').toString('base64');
  assert.equal(await check(Buffer.from(JSON.stringify(b))), 'it is not signed by the trusted key');
});

test('an attestation by the key (another predicateType) is not a signature', async () => {
  const slsa = dsseBundle(key, M.digest, { payload: signStatement(M.digest, 'https://slsa.dev/provenance/v1') });
  assert.match((await check(slsa))!, /it is an attestation \(predicateType "https:\/\/slsa\.dev\/provenance\/v1"\), not a cosign signature/);
});

test('a DSSE payload type other than in-toto is refused, even signed', async () => {
  assert.match((await check(dsseBundle(key, M.digest, { payloadType: 'text/plain' })))!, /its payloadType is "text\/plain"/);
});

test('malformed bundles are refused with the reason', async () => {
  const base = JSON.parse(dsseBundle(key, M.digest).toString()) as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...base, ...patch }));
  assert.equal(await check(Buffer.from('not json')), 'it is not JSON');
  assert.match((await check(variant({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1' })))!, /its mediaType is .* not application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json/);
  assert.match((await check(variant({ verificationMaterial: { certificate: { rawBytes: 'AAAA' } } })))!, /a certificate \(keyless, Fulcio\), not a public key/);
  assert.equal(await check(variant({ verificationMaterial: {} })), 'its verification material names no public key');
  assert.equal(await check(variant({ messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: '' }, signature: '' } })), 'it must carry exactly one of dsseEnvelope and messageSignature');
  const env = base.dsseEnvelope as { signatures: unknown[] };
  assert.equal(await check(variant({ dsseEnvelope: { ...env, signatures: [...env.signatures, ...env.signatures] } })), 'its dsseEnvelope has 2 signatures, not exactly one');
});

test('Ed25519 keys verify DSSE bundles too', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const edPub = parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'ed');
  const k = { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  assert.equal(await check(dsseBundle(k, M.digest), [edPub]), undefined);
});

test('signedIdentity: a bundle stands for its repository; rules that need a signed name refuse it', async () => {
  const b = dsseBundle(key, M.digest);
  assert.equal(await check(b, [pub], PINNED, { type: 'matchRepoDigestOrExact' }), undefined, 'the default accepts a digest-pinned pull');
  assert.match((await check(b, [pub], REF, { type: 'matchRepoDigestOrExact' }))!, /signedIdentity matchRepoDigestOrExact does not accept/);
  assert.match((await check(b, [pub], REF, { type: 'exactRepository', dockerRepository: 'registry.example.com/team/app' }))!, /signs no image name, which signedIdentity exactRepository requires/);
});

test('a bundle cosign uploaded to Rekor passes on the key alone: its log entry and timestamp are not read', async () => {
  // @sigstore/verify verifies any entry present against the trusted root, which has no log here.
  assert.equal(await check(withRekorEntry(dsseBundle(key, M.digest))), undefined);
  assert.equal(await check(withRekorEntry(messageBundle(key, bytes))), undefined);
  assert.equal(await check(withRekorEntry(dsseBundle(key, M.digest)), [other]), 'it is not signed by the trusted key');
});

test('a bundle whose verification material names a certificate beside the key is refused (the library would take the key)', async () => {
  const b = JSON.parse(dsseBundle(key, M.digest).toString()) as { verificationMaterial: Record<string, unknown> };
  b.verificationMaterial.certificate = { rawBytes: 'AAAA' };
  assert.match((await check(Buffer.from(JSON.stringify(b))))!, /a certificate \(keyless, Fulcio\), not a public key/);
});

test('a messageSignature under another digest algorithm, or an unknown one, is refused', async () => {
  const patch = (algorithm: string) => {
    const b = JSON.parse(messageBundle(key, bytes).toString()) as { messageSignature: { messageDigest: { algorithm: string } } };
    b.messageSignature.messageDigest.algorithm = algorithm;
    return Buffer.from(JSON.stringify(b));
  };
  assert.equal(await check(patch('SHA2_384')), 'its messageDigest algorithm is not SHA2_256 (HashAlgorithm 2)');
  assert.match((await check(patch('MD5')))!, /^it is not a sigstore bundle: .*MD5/);
});

test('Ed25519: a messageSignature bundle is refused even when its signature is good (@sigstore/verify cannot check one)', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.equal(await check(messageBundle({ privateKey, publicPem }, bytes), [parsePublicKey(publicPem, 'ed')]), 'it is not signed by the trusted key');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cosignKey } from '../../../test/fixtures/cosign.js';
import { dsseBundle, messageBundle, signStatement, tamperedBundle } from '../../../test/fixtures/sigstore-bundle.js';
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

test("cosign's DSSE bundle of the pulled digest, by the key, is accepted (also among several keys)", () => {
  assert.equal(check(dsseBundle(key, M.digest)), undefined);
  assert.equal(check(dsseBundle(key, M.digest), [other, pub]), undefined);
});

test('a messageSignature bundle over the manifest bytes is accepted', () => {
  assert.equal(check(messageBundle(key, bytes)), undefined);
});

test('another key is refused, for either content kind', () => {
  assert.equal(check(dsseBundle(key, M.digest), [other]), 'it is not signed by the trusted key');
  assert.equal(check(messageBundle(key, bytes), [other]), 'it is not signed by the trusted key');
  assert.equal(check(dsseBundle(key, M.digest), [other, other]), 'it is not signed by any of the trusted keys');
});

test('a tampered bundle (payload swapped after signing) is refused before its content is read', () => {
  assert.equal(check(tamperedBundle(dsseBundle(key, OTHER), signStatement(M.digest))), 'it is not signed by the trusted key');
});

test("a valid bundle of another manifest's digest is refused, naming it", () => {
  assert.equal(check(dsseBundle(key, OTHER)), `it signs the manifest ${OTHER}, not ${M.digest}`);
  assert.equal(check(messageBundle(key, otherBytes)), `it signs the manifest ${OTHER}, not ${M.digest}`);
});

test('a messageSignature whose digest names the pulled manifest but signs other bytes is refused', () => {
  const b = JSON.parse(messageBundle(key, otherBytes).toString()) as { messageSignature: { messageDigest: { digest: string } } };
  b.messageSignature.messageDigest.digest = Buffer.from(M.digest.slice(7), 'hex').toString('base64');
  assert.equal(check(Buffer.from(JSON.stringify(b))), 'it is not signed by the trusted key');
});

test('an attestation by the key (another predicateType) is not a signature', () => {
  const slsa = dsseBundle(key, M.digest, { payload: signStatement(M.digest, 'https://slsa.dev/provenance/v1') });
  assert.match(check(slsa)!, /it is an attestation \(predicateType "https:\/\/slsa\.dev\/provenance\/v1"\), not a cosign signature/);
});

test('a DSSE payload type other than in-toto is refused, even signed', () => {
  assert.match(check(dsseBundle(key, M.digest, { payloadType: 'text/plain' }))!, /its payloadType is "text\/plain"/);
});

test('malformed bundles are refused with the reason', () => {
  const base = JSON.parse(dsseBundle(key, M.digest).toString()) as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...base, ...patch }));
  assert.equal(check(Buffer.from('not json')), 'it is not JSON');
  assert.match(check(variant({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1' }))!, /its mediaType is .* not application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json/);
  assert.match(check(variant({ verificationMaterial: { certificate: { rawBytes: 'AAAA' } } }))!, /a certificate \(keyless, Fulcio\), not a public key/);
  assert.equal(check(variant({ verificationMaterial: {} })), 'its verification material names no public key');
  assert.equal(check(variant({ messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: '' }, signature: '' } })), 'it must carry exactly one of dsseEnvelope and messageSignature');
  const env = base.dsseEnvelope as { signatures: unknown[] };
  assert.equal(check(variant({ dsseEnvelope: { ...env, signatures: [...env.signatures, ...env.signatures] } })), 'its dsseEnvelope has 2 signatures, not exactly one');
});

test('Ed25519 keys verify DSSE bundles too', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const edPub = parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'ed');
  const k = { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  assert.equal(check(dsseBundle(k, M.digest), [edPub]), undefined);
});

test('signedIdentity: a bundle stands for its repository; rules that need a signed name refuse it', () => {
  const b = dsseBundle(key, M.digest);
  assert.equal(check(b, [pub], PINNED, { type: 'matchRepoDigestOrExact' }), undefined, 'the default accepts a digest-pinned pull');
  assert.match(check(b, [pub], REF, { type: 'matchRepoDigestOrExact' })!, /signedIdentity matchRepoDigestOrExact does not accept/);
  assert.match(check(b, [pub], REF, { type: 'exactRepository', dockerRepository: 'registry.example.com/team/app' })!, /signs no image name, which signedIdentity exactRepository requires/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { cosignKey, signPayload, simpleSigningPayload } from '../../../test/fixtures/cosign.js';
import { digestOf } from '../content-store.js';
import { parseReference } from '../reference.js';
import { signatureRejection, signatureTag, type CosignSignature } from './cosign.js';
import { parsePublicKey } from './policy.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const REF = parseReference(`registry.example.com/team/app:v1`);
const REPO = { type: 'matchRepository' } as const;
const key = cosignKey();
const pub = parsePublicKey(key.publicPem, 'test key');

function sigOf(payload: Buffer, signature = signPayload(key, payload)): CosignSignature {
  return { layerDigest: digestOf(payload), payload, signature };
}

test('signatureTag is cosign tag-based discovery: sha256:<hex> → sha256-<hex>.sig', () => {
  assert.equal(signatureTag(D1), `sha256-${'1'.repeat(64)}.sig`);
});

test('a cosign signature of the digest by the key is accepted', () => {
  assert.equal(signatureRejection(sigOf(simpleSigningPayload('registry.example.com/team/app', D1)), [pub], D1, REF, REPO), undefined);
});

test('another key, a tampered payload, another digest, another repository or type are refused', () => {
  const other = parsePublicKey(cosignKey().publicPem, 'other');
  const payload = simpleSigningPayload('registry.example.com/team/app', D1);
  assert.match(signatureRejection(sigOf(payload), [other], D1, REF, REPO)!, /not signed by the trusted key/);
  assert.equal(signatureRejection(sigOf(payload), [other, pub], D1, REF, REPO), undefined, 'one of several keys is enough');
  // The payload changed after signing (its digest recomputed, so only the signature can tell).
  const tampered = Buffer.from(payload.toString().replace(D1, D2));
  assert.match(signatureRejection(sigOf(tampered, signPayload(key, payload)), [pub], D2, REF, REPO)!, /not signed/);
  // The blob the registry served is not the one the manifest names.
  assert.match(signatureRejection({ ...sigOf(payload), payload: tampered }, [pub], D1, REF, REPO)!, /does not match its digest/);
  assert.match(signatureRejection(sigOf(payload), [pub], D2, REF, REPO)!, new RegExp(`signs the manifest ${D1}, not ${D2}`));
  assert.match(signatureRejection(sigOf(simpleSigningPayload('registry.example.com/team/other', D1)), [pub], D1, REF, REPO)!, /is for registry\.example\.com\/team\/other/);
  const atomic = Buffer.from(payload.toString().replace('cosign container image signature', 'atomic container signature'));
  assert.match(signatureRejection(sigOf(atomic), [pub], D1, REF, REPO)!, /payload type is "atomic container signature"/);
  assert.match(signatureRejection(sigOf(payload, ''), [pub], D1, REF, REPO)!, /not signed/);
  assert.match(signatureRejection(sigOf(payload, 'not base64 at all!'), [pub], D1, REF, REPO)!, /not signed/);
});

test('cosign signs only the repository: the default identity rule accepts it for digest pulls, not tag pulls', () => {
  const payload = simpleSigningPayload('registry.example.com/team/app', D1);
  const def = { type: 'matchRepoDigestOrExact' } as const;
  assert.match(signatureRejection(sigOf(payload), [pub], D1, REF, def)!, /matchRepoDigestOrExact does not accept/);
  assert.equal(signatureRejection(sigOf(payload), [pub], D1, parseReference(`registry.example.com/team/app@${D1}`), def), undefined);
});

test('Ed25519 and RSA keys verify too', () => {
  const payload = simpleSigningPayload('registry.example.com/team/app', D1);
  const ed = generateKeyPairSync('ed25519');
  const edPub = parsePublicKey(ed.publicKey.export({ type: 'spki', format: 'pem' }), 'ed');
  assert.equal(signatureRejection(sigOf(payload, sign(null, payload, ed.privateKey).toString('base64')), [edPub], D1, REF, REPO), undefined);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPub = parsePublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }), 'rsa');
  assert.equal(signatureRejection(sigOf(payload, sign('sha256', payload, rsa.privateKey).toString('base64')), [rsaPub], D1, REF, REPO), undefined);
});

// What bundle-verify.ts's top comment says of @sigstore/bundle and @sigstore/verify, checked
// against the installed versions (an upgrade that changes one of these fails here, not in a pull),
// and that the daemon loads them only when a bundle is verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { bundleFromJSON, type BundleWithPublicKey } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, VerificationError, Verifier, type VerifierOptions } from '@sigstore/verify';
import { cosignKey } from '../../../test/fixtures/cosign.js';
import { dsseBundle, messageBundle, withRekorEntry } from '../../../test/fixtures/sigstore-bundle.js';
import { digestOf } from '../content-store.js';
import { parsePublicKey } from './policy.js';

const key = cosignKey();
const pub = parsePublicKey(key.publicPem, 'test key');
const manifest = Buffer.from('{"schemaVersion":2}');
const D = digestOf(manifest);
const ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot.v0.2+json', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
const KEY_ONLY = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };

const parse = (b: Buffer) => bundleFromJSON(JSON.parse(b.toString('utf8'))) as BundleWithPublicKey;
const verifier = (o?: VerifierOptions) => new Verifier(toTrustMaterial(ROOT, () => ({ publicKey: pub, validFor: () => true })), o);
const code = (c: string, m?: RegExp) => (e: unknown) => e instanceof VerificationError && e.code === c && (!m || m.test(e.message));

test('@sigstore/verify checks a key-only bundle offline with thresholds 0, and refuses it with its defaults', () => {
  const entity = toSignedEntity(parse(dsseBundle(key, D)));
  assert.equal(verifier(KEY_ONLY).verify(entity).key, pub);
  assert.throws(() => verifier().verify(entity), code('TIMESTAMP_ERROR', /expected 1 timestamps, got 0/));
});

test('@sigstore/verify checks every log entry and timestamp present, thresholds 0 or not: rktlet leaves them out', () => {
  const b = parse(withRekorEntry(dsseBundle(key, D)));
  assert.throws(() => toSignedEntity(b), 'the RFC 3161 timestamp is parsed as the entity is made');
  const noTsa = { ...b, verificationMaterial: { ...b.verificationMaterial, timestampVerificationData: undefined } };
  assert.throws(() => verifier(KEY_ONLY).verify(toSignedEntity(noTsa)), (e) => e instanceof VerificationError && /^TLOG/.test(e.code));
  const keyOnly = { ...noTsa, verificationMaterial: { ...noTsa.verificationMaterial, tlogEntries: [] } };
  assert.equal(verifier(KEY_ONLY).verify(toSignedEntity(keyOnly)).key, pub);
});

test('@sigstore/bundle takes one member of a oneof when a bundle carries two (rktlet refuses such a bundle)', () => {
  const dsse = JSON.parse(dsseBundle(key, D).toString()) as Record<string, unknown>;
  const msg = JSON.parse(messageBundle(key, manifest).toString()) as Record<string, unknown>;
  assert.equal(bundleFromJSON({ ...dsse, messageSignature: msg.messageSignature }).content.$case, 'messageSignature');
  const vm = { ...(dsse.verificationMaterial as object), certificate: { rawBytes: 'AAAA' } };
  assert.equal(bundleFromJSON({ ...dsse, verificationMaterial: vm }).verificationMaterial.content.$case, 'publicKey');
});

test('@sigstore/bundle accepts media types other than v0.3 (rktlet refuses them)', () => {
  const dsse = JSON.parse(dsseBundle(key, D).toString()) as Record<string, unknown>;
  assert.doesNotThrow(() => bundleFromJSON({ ...dsse, mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json' }));
});

test('@sigstore/verify cannot check an Ed25519 messageSignature (it passes a digest name to node:crypto)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const ed = { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  const edPub = parsePublicKey(ed.publicPem, 'ed');
  const entity = toSignedEntity(parse(messageBundle(ed, manifest)), manifest);
  const v = new Verifier(toTrustMaterial(ROOT, () => ({ publicKey: edPub, validFor: () => true })), KEY_ONLY);
  assert.throws(() => v.verify(entity), code('SIGNATURE_ERROR'));
});

test('the libraries are not loaded until a bundle is verified', () => {
  const url = (p: string) => new URL(p, import.meta.url).href;
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(${JSON.stringify(url('./enforce.js'))}).cache;
    const loaded = () => Object.keys(cache).filter((k) => k.includes('/@sigstore/')).length;
    await import(${JSON.stringify(url('../../cli/serve.js'))});
    await import(${JSON.stringify(url('../../cli/image-commands.js'))});
    await import(${JSON.stringify(url('./enforce.js'))});
    const before = loaded();
    const { bundleRejection } = await import(${JSON.stringify(url('./bundle-verify.js'))});
    const why = await bundleRejection(Buffer.from('{}'), [], { digest: '', bytes: Buffer.alloc(0) }, undefined, undefined);
    console.log(JSON.stringify({ before, after: loaded(), why }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { before: number; after: number; why: string };
  assert.equal(out.before, 0, "no @sigstore module once the daemon's and rktlet pull's modules are imported");
  assert.ok(out.after > 0, 'loaded by the first bundle');
  assert.match(out.why, /its mediaType is undefined/);
});

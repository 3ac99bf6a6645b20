// Sigstore bundles attached through the OCI referrers API, verified at pull, through the daemon's
// socket: bundles made as `cosign sign --key --new-bundle-format` makes them, with keys generated
// here, attached to images in a real registry (Debian's distribution 2.8), read both ways cosign
// reads them: through the referrers API (test/helpers/referrers-api.ts in front of that registry;
// nothing is tagged, so only the API can find them) and, from the registry itself, which answers
// the API with 404, through the referrers tag schema (`sha256-<hex>`). A refused pull answers
// FAILED_PRECONDITION "SignatureValidationFailed: …" naming the scope and why, and stores nothing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { TestDaemon } from '../helpers/daemon.js';
import { startRegistry, pushImage, imageConfigToml, type Registry } from '../helpers/registry.js';
import { startReferrersApi, type ReferrersApi } from '../helpers/referrers-api.js';
import { attachBundle } from '../helpers/sigstore-attach.js';
import { cosignSign, cosignSignature, pushSignatures } from '../helpers/cosign-sign.js';
import { cosignKey, writePublicKey, type CosignKey } from '../fixtures/cosign.js';
import { dsseBundle, messageBundle, signStatement, tamperedBundle } from '../fixtures/sigstore-bundle.js';
import { busyboxImage } from '../fixtures/busybox.js';
import type { BuiltImage } from '../fixtures/oci-image.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let reg: Registry;
let api: ReferrersApi;
let d: TestDaemon;
let policyFile: string;
let trusted: CosignKey;
let other: CosignKey;
const images = new Map<string, BuiltImage>();

/** The two ways to the registry: the API front (bundles only listed by it), the registry itself (tag schema). */
const PATHS = [
  { name: 'the referrers API', tagFallback: false, host: () => api.host, source: /asked through the referrers API|from the referrers API/ },
  { name: 'the referrers tag', tagFallback: true, host: () => reg.host, source: /(asked through|from) the referrers tag sha256-[a-f0-9]{64}/ },
] as const;

/** A busybox image of its own (a marker label), pushed under `repo:v1`. */
async function push(repo: string): Promise<BuiltImage> {
  const img = await busyboxImage({ config: { Labels: { marker: repo } } });
  await pushImage(reg, `${repo}:v1`, img);
  images.set(repo, img);
  return img;
}

before(async () => {
  reg = await startRegistry();
  cleanups.push(() => reg.stop());
  api = await startReferrersApi(reg);
  cleanups.push(() => api.stop());
  const work = mkdtempSync(join(tmpdir(), 'rktlet-referrers-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  policyFile = join(work, 'policy.json');
  trusted = cosignKey();
  other = cosignKey();
  const keyFile = writePublicKey(trusted, join(work, 'cosign.pub'));

  for (const p of PATHS) {
    const at = (repo: string) => `${p.tagFallback ? 'tag' : 'api'}/${repo}`;
    const o = { tagFallback: p.tagFallback };
    const ok = await push(at('ok'));
    await attachBundle(reg, at('ok'), ok.manifest, dsseBundle(trusted, ok.manifest.digest), o);
    const msg = await push(at('msg'));
    await attachBundle(reg, at('msg'), msg.manifest, messageBundle(trusted, msg.manifest.bytes), o);
    await push(at('unsigned'));
    const wrong = await push(at('wrongkey'));
    await attachBundle(reg, at('wrongkey'), wrong.manifest, dsseBundle(other, wrong.manifest.digest), o);
    // Signed for another digest, then its statement rewritten to name this one: the signature no longer covers it.
    const tampered = await push(at('tampered'));
    await attachBundle(reg, at('tampered'), tampered.manifest, tamperedBundle(dsseBundle(trusted, ok.manifest.digest), signStatement(tampered.manifest.digest)), o);
    // A valid bundle by the trusted key, of another image's digest, attached to this one.
    const elsewhere = await push(at('elsewhere'));
    await attachBundle(reg, at('elsewhere'), elsewhere.manifest, dsseBundle(trusted, ok.manifest.digest), o);
    // A cosign .sig by the wrong key, and a good bundle: either layout may carry the accepted signature.
    const mixed = await push(at('mixed'));
    await cosignSign(reg, at('mixed'), mixed.manifest.digest, other);
    await attachBundle(reg, at('mixed'), mixed.manifest, dsseBundle(other, mixed.manifest.digest), o);
    await attachBundle(reg, at('mixed'), mixed.manifest, dsseBundle(trusted, mixed.manifest.digest), o);
  }

  const sigOnly = await push('api/sigonly');
  // Signed for the name it is pulled by (the front's host): cosign's payload names the repository.
  await pushSignatures(reg, 'api/sigonly', sigOnly.manifest.digest, [cosignSignature({ ...reg, host: api.host }, 'api/sigonly', sigOnly.manifest.digest, trusted)]);
  const allbad = await push('api/allbad');
  await cosignSign(reg, 'api/allbad', allbad.manifest.digest, other);
  await attachBundle(reg, 'api/allbad', allbad.manifest, dsseBundle(other, allbad.manifest.digest), { tagFallback: false });

  const req = [{ type: 'sigstoreSigned', keyPath: keyFile, signedIdentity: { type: 'matchRepository' } }];
  writeFileSync(policyFile, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [api.host]: req, [reg.host]: req } } }, null, 2));
  d = await TestDaemon.start({ configToml: imageConfigToml(reg) + `signature_policy = "${policyFile}"\n` });
  cleanups.push(() => d.destroy());
});

const pull = (image: string) => d.client.image('PullImage', { image: { image } });

function blobCount(): number {
  const dir = join(d.dirs.root, 'content', 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

/** The pull fails with the policy's refusal naming `scope` and matching every `why`, and stores nothing. */
async function refused(image: string, scope: string, ...why: RegExp[]): Promise<void> {
  const before = blobCount();
  await assert.rejects(pull(image), (err: { code: number; details: string }) => {
    assert.equal(err.code, status.FAILED_PRECONDITION, err.details);
    assert.match(err.details, /^SignatureValidationFailed: /);
    assert.ok(err.details.includes(`refused by the trust policy ${policyFile}, scope transports.docker["${scope}"]`), err.details);
    for (const w of why) assert.match(err.details, w);
    return true;
  });
  assert.equal(blobCount(), before, 'a refused pull stores no blob');
  const st = await d.client.image('ImageStatus', { image: { image } });
  assert.ok(!st.image, `${image} is not listed`);
}

for (const p of PATHS) {
  const dir = p.tagFallback ? 'tag' : 'api';
  const ref = (repo: string) => `${p.host()}/${dir}/${repo}:v1`;

  test(`${p.name}: a DSSE bundle by the trusted key passes, by tag and by digest`, async () => {
    const img = images.get(`${dir}/ok`)!;
    assert.equal((await pull(ref('ok'))).image_ref, img.id);
    assert.equal((await pull(`${p.host()}/${dir}/ok@${img.manifest.digest}`)).image_ref, img.id);
  });

  test(`${p.name}: a messageSignature bundle over the manifest passes`, async () => {
    assert.equal((await pull(ref('msg'))).image_ref, images.get(`${dir}/msg`)!.id);
  });

  test(`${p.name}: an unsigned image is refused, naming where it looked`, async () => {
    await refused(ref('unsigned'), p.host(), /requires a sigstore signature of sha256:[a-f0-9]{64} by the key .*cosign\.pub; the registry has none \(no sha256-[a-f0-9]{64}\.sig signature manifest\) and no sigstore bundle among its referrers/, p.source);
  });

  test(`${p.name}: a bundle by another key is refused`, async () => {
    await refused(ref('wrongkey'), p.host(), /its signature is not accepted \(bundle [a-f0-9]{12} \(from the referrers .*\): it is not signed by the trusted key\)/, p.source);
  });

  test(`${p.name}: a tampered bundle is refused`, async () => {
    await refused(ref('tampered'), p.host(), /bundle [a-f0-9]{12} .*: it is not signed by the trusted key/);
  });

  test(`${p.name}: a valid bundle of another digest is refused, naming the digests`, async () => {
    const signed = images.get(`${dir}/ok`)!.manifest.digest;
    const pulled = images.get(`${dir}/elsewhere`)!.manifest.digest;
    await refused(ref('elsewhere'), p.host(), new RegExp(`it signs the manifest ${signed}, not ${pulled}`));
  });

  test(`${p.name}: one good bundle among a bad .sig and a bad bundle is enough`, async () => {
    assert.equal((await pull(ref('mixed'))).image_ref, images.get(`${dir}/mixed`)!.id);
  });
}

test('the API path is what found them: the same bundles, untagged, are invisible to the registry itself', async () => {
  assert.ok(api.served() > 0, 'the referrers API was asked');
  await refused(`${reg.host}/api/ok:v1`, reg.host, /no sigstore bundle among its referrers \(asked through the referrers tag sha256-[a-f0-9]{64}\)/);
});

test('an image whose .sig signature is accepted costs no referrers request', async () => {
  const before = api.served();
  assert.equal((await pull(`${api.host}/api/sigonly:v1`)).image_ref, images.get('api/sigonly')!.id);
  assert.equal(api.served(), before, 'the referrers API was not asked');
});

test('a refusal lists every signature found, in both layouts, with why each failed', async () => {
  await refused(`${api.host}/api/allbad:v1`, api.host, /none of its 2 signatures is accepted \(signature [a-f0-9]{12}: it is not signed by the trusted key; bundle [a-f0-9]{12} \(from the referrers API\): it is not signed by the trusted key\)/);
});

// The image trust policy at pull time, through the daemon's socket (PullImage) and the CLI
// (`rktlet pull`, `rktlet trust`): images signed as cosign signs them, in a real registry, with
// keys generated here. A refused pull answers FAILED_PRECONDITION "SignatureValidationFailed: …"
// naming the policy's scope and why, and stores nothing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { TestDaemon, makeDirs, runCli, type DaemonDirs } from '../helpers/daemon.js';
import { startRegistry, pushImage, pushIndex, imageConfigToml, type Registry } from '../helpers/registry.js';
import { cosignSign, cosignSignature, pushSignatures } from '../helpers/cosign-sign.js';
import { cosignKey, writePublicKey, type CosignKey } from '../fixtures/cosign.js';
import { busyboxImage } from '../fixtures/busybox.js';
import { hostArchitecture, type BuiltImage } from '../fixtures/oci-image.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let reg: Registry;
let d: TestDaemon;
let work: string;
let policyFile: string;
let trusted: CosignKey;
let keyFile: string;
const images = new Map<string, BuiltImage>();

/** A busybox image with a marker label, so each repository's manifest (and digest) is its own. */
async function push(ref: string, marker = ref): Promise<BuiltImage> {
  const img = await busyboxImage({ config: { Labels: { marker } } });
  await pushImage(reg, ref, img);
  images.set(ref, img);
  return img;
}

function writePolicy(docker: Record<string, unknown[]>): void {
  writeFileSync(policyFile, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker } }, null, 2));
}

before(async () => {
  reg = await startRegistry();
  cleanups.push(() => reg.stop());
  work = mkdtempSync(join(tmpdir(), 'rktlet-trust-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  policyFile = join(work, 'policy.json');
  trusted = cosignKey();
  keyFile = writePublicKey(trusted, join(work, 'cosign.pub'));
  const other = cosignKey();

  const signed = await push('signed/app:v1');
  await cosignSign(reg, 'signed/app', signed.manifest.digest, trusted);
  await push('signed/unsigned:v1');
  const wrong = await push('signed/wrongkey:v1');
  await cosignSign(reg, 'signed/wrongkey', wrong.manifest.digest, other);
  // Tampered: the signed manifest is replaced under its tag and its signature copied to the new digest.
  const orig = await push('signed/tampered:v1', 'original');
  await cosignSign(reg, 'signed/tampered', orig.manifest.digest, trusted);
  const evil = await push('signed/tampered:v1', 'tampered');
  await pushSignatures(reg, 'signed/tampered', evil.manifest.digest, [cosignSignature(reg, 'signed/tampered', orig.manifest.digest, trusted)]);
  // A valid signature, by the trusted key, of another image's digest, stored as this one's.
  const elsewhere = await push('signed/elsewhere:v1');
  await pushSignatures(reg, 'signed/elsewhere', elsewhere.manifest.digest, [cosignSignature(reg, 'signed/elsewhere', signed.manifest.digest, trusted)]);
  // Same repository as the signed image, pushed by digest only, never signed.
  const sibling = await busyboxImage({ config: { Labels: { marker: 'sibling' } } });
  await pushImage(reg, 'signed/app', sibling);
  images.set('signed/app@sibling', sibling);
  // A multi-platform image: cosign signs the index, the digest the tag resolves to.
  const plat = await busyboxImage({ config: { Labels: { marker: 'indexed' } } });
  const indexDigest = await pushIndex(reg, 'signed/multi:v1', [{ image: plat, architecture: hostArchitecture() }]);
  await cosignSign(reg, 'signed/multi', indexDigest, trusted);
  images.set('signed/multi:v1', plat);
  await push('signed/exempt/tool:v1');
  await push('rejected/app:v1');
  await push('open/app:v1');

  writePolicy({
    [`${reg.host}/signed`]: [{ type: 'sigstoreSigned', keyPath: keyFile, signedIdentity: { type: 'matchRepository' } }],
    [`${reg.host}/signed/exempt`]: [{ type: 'insecureAcceptAnything' }],
    [`${reg.host}/rejected`]: [{ type: 'reject' }],
  });
  d = await TestDaemon.start({ configToml: imageConfigToml(reg) + `signature_policy = "${policyFile}"\n` });
  cleanups.push(() => d.destroy());
});

const pull = (image: string) => d.client.image('PullImage', { image: { image } });

function blobCount(): number {
  const dir = join(d.dirs.root, 'content', 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

/** The pull fails with the policy's refusal naming `scope` and matching `why`, and stores nothing. */
async function refused(image: string, scope: string, why: RegExp): Promise<void> {
  const before = blobCount();
  await assert.rejects(pull(image), (err: { code: number; details: string }) => {
    assert.equal(err.code, status.FAILED_PRECONDITION, err.details);
    assert.match(err.details, /^SignatureValidationFailed: /);
    assert.ok(err.details.includes(`scope transports.docker["${scope}"]`), err.details);
    assert.ok(err.details.includes(policyFile), err.details);
    assert.match(err.details, why);
    return true;
  });
  assert.equal(blobCount(), before, 'a refused pull stores no blob');
  const st = await d.client.image('ImageStatus', { image: { image } });
  assert.ok(!st.image, `${image} is not listed`);
}

test('an image signed by the trusted key passes, by tag and by its digest', async () => {
  const img = images.get('signed/app:v1')!;
  const r = await pull(`${reg.host}/signed/app:v1`);
  assert.equal(r.image_ref, img.id);
  const byDigest = await pull(`${reg.host}/signed/app@${img.manifest.digest}`);
  assert.equal(byDigest.image_ref, img.id);
});

test('a multi-platform image whose index is signed passes; its unsigned platform manifest pulled by digest does not', async () => {
  const plat = images.get('signed/multi:v1')!;
  const r = await pull(`${reg.host}/signed/multi:v1`);
  assert.equal(r.image_ref, plat.id);
  await d.client.image('RemoveImage', { image: { image: plat.id } });
  await refused(`${reg.host}/signed/multi@${plat.manifest.digest}`, `${reg.host}/signed`, /the registry has none/);
});

test('an unsigned image in a sigstoreSigned scope is refused, naming the scope', async () => {
  await refused(`${reg.host}/signed/unsigned:v1`, `${reg.host}/signed`, /requires a sigstore signature of sha256:[a-f0-9]{64} by the key .*cosign\.pub; the registry has none \(no sha256-[a-f0-9]{64}\.sig signature manifest\)/);
});

test('a signature by another key is refused', async () => {
  await refused(`${reg.host}/signed/wrongkey:v1`, `${reg.host}/signed`, /its signature is not accepted \(signature [a-f0-9]{12}: it is not signed by the trusted key\)/);
});

test('a tampered manifest (signature copied to its digest) is refused', async () => {
  const orig = images.get('signed/app:v1')!;
  assert.ok(orig);
  await refused(`${reg.host}/signed/tampered:v1`, `${reg.host}/signed`, /it signs the manifest sha256:[a-f0-9]{64}, not sha256:/);
});

test("a valid signature of another image's digest is refused", async () => {
  const other = images.get('signed/app:v1')!.manifest.digest;
  await refused(`${reg.host}/signed/elsewhere:v1`, `${reg.host}/signed`, new RegExp(`it signs the manifest ${other}, not sha256:`));
});

test('a digest-pinned pull is checked against the signed digest: an unsigned digest of a signed repository is refused', async () => {
  const sib = images.get('signed/app@sibling')!;
  await refused(`${reg.host}/signed/app@${sib.manifest.digest}`, `${reg.host}/signed`, /the registry has none/);
});

test('a reject scope refuses any image; the most specific scope wins over its parent', async () => {
  await refused(`${reg.host}/rejected/app:v1`, `${reg.host}/rejected`, /the scope rejects every image \("reject"\)/);
  const r = await pull(`${reg.host}/signed/exempt/tool:v1`);
  assert.equal(r.image_ref, images.get('signed/exempt/tool:v1')!.id, 'signed/exempt accepts unsigned images inside signed/');
  const open = await pull(`${reg.host}/open/app:v1`);
  assert.equal(open.image_ref, images.get('open/app:v1')!.id, 'the default accepts what no scope names');
});

test('an invalid policy refuses every pull, naming the file; the daemon keeps serving', async () => {
  const good = readFileSync(policyFile, 'utf8');
  try {
    writeFileSync(policyFile, JSON.stringify({ default: [{ type: 'insecureAcceptAnything', extra: 1 }] }));
    await assert.rejects(pull(`${reg.host}/open/app:v1`), (err: { code: number; details: string }) => {
      assert.equal(err.code, status.FAILED_PRECONDITION);
      assert.match(err.details, /trust policy .*policy\.json \(image\.signature_policy\) is invalid, so no image is accepted: default\[0\]: unknown field "extra"/);
      return true;
    });
  } finally {
    writeFileSync(policyFile, good);
  }
  await d.client.runtime('Version', {});
});

// ---- the CLI: same engine, same policy; `rktlet trust` edits what the daemon reads ----

let cliDirs: DaemonDirs;
let cliPolicy: string;
const cli = (...args: string[]) => runCli([...args, '--root', cliDirs.root, '--run-root', cliDirs.runRoot, '--config', cliDirs.config]);

test('the CLI: trust show prints the generated default, trust set edits it, rktlet pull obeys it', async () => {
  cliDirs = makeDirs('rktlet-trustcli-');
  cleanups.push(() => rmSync(cliDirs.base, { recursive: true, force: true }));
  cliPolicy = join(cliDirs.base, 'conf', 'policy.json');
  writeFileSync(cliDirs.config, `[log]\nlevel = "warn"\n[network]\nconf_dir = "${cliDirs.cniConfDir}"\n${imageConfigToml(reg)}signature_policy = "${cliPolicy}"\n`);

  const show = await cli('trust', 'show');
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`^Policy: ${cliPolicy}\\n`));
  assert.match(show.stdout, /default\s+insecureAcceptAnything/);
  assert.ok(readFileSync(cliPolicy, 'utf8').includes('"default": [{"type":"insecureAcceptAnything"}]'), 'the generated file says on one line that it accepts anything');

  const scope = `${reg.host}/signed`;
  const set = await cli('trust', 'set', '--type', 'sigstoreSigned', '--pubkey', keyFile, scope);
  assert.equal(set.code, 0, set.stderr);
  const shown = await cli('trust', 'show');
  assert.match(shown.stdout, new RegExp(`${scope.replace(/\./g, '\\.')}\\s+sigstoreSigned\\s+${keyFile.replace(/\./g, '\\.')} \\(signedIdentity matchRepository\\)`));

  const unsigned = await cli('pull', `${reg.host}/signed/unsigned:v1`);
  assert.notEqual(unsigned.code, 0, unsigned.stdout);
  assert.match(unsigned.stderr, new RegExp(`SignatureValidationFailed: .*scope transports\\.docker\\["${scope.replace(/\./g, '\\.')}"\\]: requires a sigstore signature`));
  assert.equal((await cli('images', '-q')).stdout, '', 'nothing stored');
  const ok = await cli('pull', '-q', `${reg.host}/signed/app:v1`);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), images.get('signed/app:v1')!.id);

  assert.equal((await cli('trust', 'set', '--type', 'reject', `${reg.host}/open`)).code, 0);
  const rej = await cli('pull', `${reg.host}/open/app:v1`);
  assert.match(rej.stderr, /the scope rejects every image/);
  assert.equal((await cli('trust', 'set', '--type', 'accept', `${reg.host}/open`)).code, 0);
  assert.equal((await cli('pull', `${reg.host}/open/app:v1`)).code, 0);

  const bad = await cli('trust', 'set', '--type', 'sigstoreSigned', scope);
  assert.notEqual(bad.code, 0, 'no key');
  assert.match(bad.stderr, /needs at least one --pubkey/);
  const badScope = await cli('trust', 'set', '--type', 'reject', 'busybox');
  assert.notEqual(badScope.code, 0, 'bad scope');
  assert.match(badScope.stderr, /PREFIX "busybox" must start with a registry host/);
});

test('the daemon applies `rktlet trust set` to its next pull, without a restart', async () => {
  const dcli = (...args: string[]) => runCli([...args, '--config', d.dirs.config]);
  const r = await dcli('trust', 'set', '--type', 'reject', `${reg.host}/open/app`);
  assert.equal(r.code, 0, r.stderr);
  await d.client.image('RemoveImage', { image: { image: `${reg.host}/open/app:v1` } });
  await refused(`${reg.host}/open/app:v1`, `${reg.host}/open/app`, /rejects every image/);
});

test('a policy removed under a running daemon refuses pulls (never a silent accept-anything)', async () => {
  const good = readFileSync(policyFile, 'utf8');
  rmSync(policyFile);
  try {
    await assert.rejects(pull(`${reg.host}/signed/exempt/tool:v1`), (err: { code: number; details: string }) => {
      assert.equal(err.code, status.FAILED_PRECONDITION);
      assert.match(err.details, /the trust policy .*policy\.json \(image\.signature_policy\) does not exist, so no image is accepted/);
      return true;
    });
    assert.ok(!existsSync(policyFile), 'not rewritten by a pull');
  } finally {
    writeFileSync(policyFile, good);
  }
});

test('a daemon refuses to start on an invalid policy, naming the key and the fault', async () => {
  const file = join(work, 'broken.json');
  writeFileSync(file, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath: join(work, 'missing.pub') }] }));
  const dirs = makeDirs('rktlet-trustbad-');
  cleanups.push(() => rmSync(dirs.base, { recursive: true, force: true }));
  writeFileSync(dirs.config, `[network]\nconf_dir = "${dirs.cniConfDir}"\n[image]\nsignature_policy = "${file}"\n`);
  await assert.rejects(TestDaemon.start({ dirs }), (err: Error) => {
    assert.match(err.message, /config key "image\.signature_policy": trust policy .*broken\.json .*cannot read key file .*missing\.pub/);
    return true;
  });
});

test('the daemon writes the default policy at first start', async () => {
  const dirs = join(work, 'fresh', 'policy.json');
  const fresh = await TestDaemon.start({ configToml: `[image]\nsignature_policy = "${dirs}"\n` });
  cleanups.push(() => fresh.destroy());
  const text = readFileSync(dirs, 'utf8');
  assert.match(text, /^ {2}"default": \[\{"type":"insecureAcceptAnything"\}\],?$/m);
});

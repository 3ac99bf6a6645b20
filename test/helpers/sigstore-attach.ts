// `cosign sign --key … --new-bundle-format` against a test registry: the bundle, the empty config
// and the referrer manifest pushed (by digest) to the image's repository, as cosign's
// WriteAttestationNewBundleFormat does; with `tagFallback`, also what a client does for a registry
// without the referrers API (sigstore/cosign specs/BUNDLE_SPEC.md, distribution-spec v1.1
// "Pushing Manifests with Subject"): the `sha256-<hex>` tag's index read (or started empty), the
// new descriptor added, the index pushed back under that tag.
import { request } from 'undici';
import { bundleReferrer, referrerDescriptor, referrersIndex, type Referrer } from '../fixtures/sigstore-bundle.js';
import type { Blob } from '../fixtures/oci-image.js';
import { pushBlob, pushManifest, type Registry } from './registry.js';

async function taggedIndex(reg: Registry, repo: string, tag: string): Promise<Record<string, unknown>[]> {
  const res = await request(`${reg.url}/v2/${repo}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
  if (res.statusCode === 404) {
    await res.body.dump();
    return [];
  }
  if (res.statusCode !== 200) throw new Error(`referrers tag ${repo}:${tag}: HTTP ${res.statusCode}`);
  return ((await res.body.json()) as { manifests: Record<string, unknown>[] }).manifests;
}

/** Attaches `bundle` to the manifest `subject` of `repo`; returns the referrer. */
export async function attachBundle(reg: Registry, repo: string, subject: Blob, bundle: Buffer, o: { tagFallback: boolean }): Promise<Referrer> {
  const r = bundleReferrer(bundle, subject);
  await pushBlob(reg, repo, r.bundle.digest, r.bundle.bytes);
  await pushBlob(reg, repo, r.config.digest, r.config.bytes);
  await pushManifest(reg, repo, r.manifest.digest, r.manifest);
  if (o.tagFallback) {
    const tag = subject.digest.replace(':', '-');
    const descs = await taggedIndex(reg, repo, tag);
    await pushManifest(reg, repo, tag, referrersIndex([...descs, referrerDescriptor(r)]));
  }
  return r;
}

// Finds the sigstore bundles attached to a manifest as OCI referrers, as cosign attaches them
// (sigstore/cosign specs/BUNDLE_SPEC.md, "Retrieval"): the referrers API
// (GET /v2/<name>/referrers/<digest>, opencontainers/distribution-spec v1.1 "Listing Referrers"),
// or, where the registry answers that with 404, the referrers tag schema's `sha256-<hex>` tag
// holding the same image index. Each descriptor of artifactType
// application/vnd.dev.sigstore.bundle.v0.3+json names a manifest whose first layer is the bundle.
// Nothing here is trusted: bundle-verify.ts checks each bundle's signature and what it binds.
import { InvalidArgumentError, NotFoundError } from '../../errors/catalog.js';
import { isDigest, type ImageReference } from '../reference.js';
import type { RegistryClient } from '../registry-client.js';
import { BUNDLE_V03_MEDIA_TYPE } from './sigstore-bundle.js';
import { MAX_SIGNATURES, readSmallBlob, type FetchOptions } from './signatures.js';

/** A bundle with a certificate chain and log proofs is a few KiB; anything near this is not one. */
const MAX_BUNDLE_BYTES = 1024 * 1024;

/** One referrer of bundle type: its bundle's bytes, or why they could not be read. */
export type ReferrerBundle =
  /** manifestDigest: the referrer manifest's digest (named in messages). */
  { manifestDigest: string; bytes: Buffer } | { manifestDigest: string; problem: string };

export interface Referrers {
  /** Where the list came from, for messages. */
  source: string;
  bundles: ReferrerBundle[];
}

/** The referrers tag schema: sha256:ab… → sha256-ab… */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

interface Desc {
  digest?: unknown;
  artifactType?: unknown;
}

function descriptors(bytes: Buffer, where: string): Desc[] {
  try {
    const idx = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(idx.manifests)) throw new Error('no "manifests"');
    return idx.manifests as Desc[];
  } catch (err) {
    throw new InvalidArgumentError(`${where} is not an image index: ${(err as Error).message}`);
  }
}

/** The referrers index of `digest`: through the API, else the tag; undefined when neither has one. */
async function referrersIndex(client: RegistryClient, ref: ImageReference, digest: string, o: FetchOptions): Promise<{ source: string; bytes?: Buffer }> {
  const api = await client.fetchReferrers(ref, digest, o.creds, o.signal, o.endpoint);
  if (api) return { source: 'the referrers API', bytes: api };
  const source = `the referrers tag ${referrersTag(digest)}`;
  try {
    return { source, bytes: (await client.fetchManifest(ref, referrersTag(digest), o.creds, o.signal, o.endpoint)).bytes };
  } catch (err) {
    if (err instanceof NotFoundError) return { source };
    throw err;
  }
}

interface ArtifactManifest {
  artifactType?: unknown;
  subject?: { digest?: unknown };
  layers?: { mediaType?: unknown; digest?: unknown; size?: unknown }[];
}

/** The bundle a referrer manifest carries (its first layer of the bundle media type). */
async function readBundle(client: RegistryClient, ref: ImageReference, subject: string, manifestDigest: string, o: FetchOptions): Promise<ReferrerBundle> {
  const m = await client.fetchManifest(ref, manifestDigest, o.creds, o.signal, o.endpoint);
  let a: ArtifactManifest;
  try {
    a = JSON.parse(m.bytes.toString('utf8')) as ArtifactManifest;
  } catch {
    return { manifestDigest, problem: 'its manifest is not JSON' };
  }
  // The index's descriptor is the registry's word; the manifest is content-addressed: check both.
  if (a.artifactType !== BUNDLE_V03_MEDIA_TYPE) return { manifestDigest, problem: `its manifest's artifactType is ${JSON.stringify(a.artifactType)}` };
  if (a.subject?.digest !== subject) return { manifestDigest, problem: `its manifest's subject is ${JSON.stringify(a.subject?.digest)}, not ${subject}` };
  const l = Array.isArray(a.layers) ? a.layers.find((x) => x.mediaType === BUNDLE_V03_MEDIA_TYPE) : undefined;
  if (typeof l?.digest !== 'string' || !isDigest(l.digest) || typeof l.size !== 'number') return { manifestDigest, problem: 'its manifest has no bundle layer' };
  return { manifestDigest, bytes: await readSmallBlob(client, ref, { digest: l.digest, size: l.size }, MAX_BUNDLE_BYTES, 'sigstore bundle', o) };
}

/** The sigstore bundles attached to `digest` (at most MAX_SIGNATURES of them). */
export async function fetchReferrerBundles(client: RegistryClient, ref: ImageReference, digest: string, o: FetchOptions): Promise<Referrers> {
  const idx = await referrersIndex(client, ref, digest, o);
  if (!idx.bytes) return { source: idx.source, bundles: [] };
  const found = descriptors(idx.bytes, `${idx.source} of ${ref.path}@${digest}`).filter((d) => d.artifactType === BUNDLE_V03_MEDIA_TYPE && typeof d.digest === 'string' && isDigest(d.digest));
  const bundles: ReferrerBundle[] = [];
  for (const d of found.slice(0, MAX_SIGNATURES)) bundles.push(await readBundle(client, ref, digest, d.digest as string, o));
  return { source: idx.source, bundles };
}

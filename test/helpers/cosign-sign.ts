// `cosign sign --key` against a test registry: the signature image of test/fixtures/cosign.ts pushed
// under the `sha256-<hex>.sig` tag of the image's repository.
import { signatureManifest, signatureTag, signPayload, simpleSigningPayload, type CosignKey, type SignatureLayer } from '../fixtures/cosign.js';
import { pushBlob, pushManifest, type Registry } from './registry.js';

/** Pushes a signature image holding `layers` at the signature tag of `digest` in `repo`. */
export async function pushSignatures(reg: Registry, repo: string, digest: string, layers: SignatureLayer[]): Promise<void> {
  const sig = signatureManifest(layers);
  for (const p of sig.payloads) await pushBlob(reg, repo, p.digest, p.bytes);
  await pushBlob(reg, repo, sig.config.digest, sig.config.bytes);
  await pushManifest(reg, repo, signatureTag(digest), sig.manifest);
}

/** A signature of `digest` as cosign makes it for `<registry>/<repo>` (not pushed). */
export function cosignSignature(reg: Registry, repo: string, digest: string, key: CosignKey): SignatureLayer {
  const payload = simpleSigningPayload(`${reg.host}/${repo}`, digest);
  return { payload, signature: signPayload(key, payload) };
}

/** `cosign sign --key`: signs the manifest `digest` of `repo` and pushes the signature. */
export async function cosignSign(reg: Registry, repo: string, digest: string, key: CosignKey): Promise<SignatureLayer> {
  const layer = cosignSignature(reg, repo, digest, key);
  await pushSignatures(reg, repo, digest, [layer]);
  return layer;
}

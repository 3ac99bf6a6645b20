// The trust check of a pull: the policy's most specific scope for the image decides, and every
// requirement in it must hold for the manifest the registry served (the top-level one, index or
// manifest, the digest cosign signs), before anything of the image is stored.
//
// A sigstoreSigned requirement holds when one signature by one of its keys binds that digest:
// either a cosign simple signing signature under the `sha256-<hex>.sig` tag (cosign.ts), or a
// sigstore bundle attached as an OCI referrer (referrers.ts, bundle-verify.ts), cosign v3's
// default. Both are read, so that an image signed either way, or re-signed in the new format, passes.
//
// A refusal is FAILED_PRECONDITION whose message starts with "SignatureValidationFailed: ", the
// CRI's well-known error (cri-api pkg/errors ErrSignatureValidationFailed) that the kubelet
// recognises by that prefix (pkg/kubelet/images: evalCRIPullErr) to report the pod's
// SignatureValidationFailed reason. CRI-O sends the same prefix (internal/storage/image.go,
// WrapSignatureCRIErrorIfNeeded) as a plain Go error, i.e. gRPC UNKNOWN; rktlet names a code, and
// FAILED_PRECONDITION rather than PERMISSION_DENIED, which clients (and this client, for a registry's
// 403) read as a credentials problem: here the image, not the caller, fails the node's policy.
import { FailedPreconditionError } from '../../errors/catalog.js';
import { formatReference, type ImageReference } from '../reference.js';
import type { RegistryClient } from '../registry-client.js';
import { bundleRejection, type PulledManifest } from './bundle-verify.js';
import { signatureRejection, signatureTag, type CosignSignature } from './cosign.js';
import { loadPolicy } from './policy-file.js';
import type { Policy, Requirement, SigstoreSigned } from './policy.js';
import { fetchReferrerBundles, type Referrers } from './referrers.js';
import { scopeCandidates } from './scope.js';
import { fetchCosignSignatures, type FetchOptions } from './signatures.js';

export const SIGNATURE_VALIDATION_FAILED = 'SignatureValidationFailed';

export interface Decision {
  /** How the policy names the scope: `transports.docker["host/repo"]`, or `default`. */
  scope: string;
  requirements: Requirement[];
}

/** The requirements that apply to `ref`: the most specific scope named, else "", else default. */
export function decide(policy: Policy, ref: ImageReference): Decision {
  for (const s of [...scopeCandidates(ref), '']) {
    const reqs = policy.docker.get(s);
    if (reqs) return { scope: `transports.docker[${JSON.stringify(s)}]`, requirements: reqs };
  }
  return { scope: 'default', requirements: policy.default };
}

function refused(ref: ImageReference, file: string, scope: string, why: string): FailedPreconditionError {
  return new FailedPreconditionError(`${SIGNATURE_VALIDATION_FAILED}: image ${formatReference(ref)} refused by the trust policy ${file}, scope ${scope}: ${why}`);
}

function keyList(r: SigstoreSigned): string {
  return r.keySources.length > 1 ? `one of the keys ${r.keySources.join(', ')}` : `the key ${r.keySources[0]}`;
}

/**
 * The signatures the registry holds for the digest, read as needed: the .sig tag first, the
 * referrers only when no .sig signature satisfies the requirement, so that an image already signed
 * the old way costs no more requests, and a registry's odd answer to the referrers API cannot fail it.
 */
class Found {
  private sigs?: CosignSignature[];
  private refs?: Referrers;

  constructor(
    private readonly client: RegistryClient,
    private readonly ref: ImageReference,
    private readonly digest: string,
    private readonly o: FetchOptions,
  ) {}

  async cosign(): Promise<CosignSignature[]> {
    return (this.sigs ??= await fetchCosignSignatures(this.client, this.ref, this.digest, this.o));
  }

  async referrers(): Promise<Referrers> {
    return (this.refs ??= await fetchReferrerBundles(this.client, this.ref, this.digest, this.o));
  }
}

/** Why no signature satisfies `r`, or undefined when one does. */
async function sigstoreRejection(r: SigstoreSigned, f: Found, ref: ImageReference, m: PulledManifest): Promise<string | undefined> {
  const want = `requires a sigstore signature of ${m.digest} by ${keyList(r)}`;
  const reasons: string[] = [];
  const sigs = await f.cosign();
  for (const s of sigs) {
    const why = signatureRejection(s, r.keys, m.digest, ref, r.signedIdentity);
    if (why === undefined) return undefined;
    reasons.push(`signature ${s.layerDigest.slice(7, 19)}: ${why}`);
  }
  const refs = await f.referrers();
  for (const b of refs.bundles) {
    const why = 'problem' in b ? b.problem : bundleRejection(b.bytes, r.keys, m, ref, r.signedIdentity);
    if (why === undefined) return undefined;
    reasons.push(`bundle ${b.manifestDigest.slice(7, 19)} (from ${refs.source}): ${why}`);
  }
  const total = reasons.length;
  if (!total) return `${want}; the registry has none (no ${signatureTag(m.digest)} signature manifest) and no sigstore bundle among its referrers (asked through ${refs.source})`;
  return `${want}; ${total > 1 ? `none of its ${total} signatures is accepted` : 'its signature is not accepted'} (${reasons.join('; ')})`;
}

/**
 * Throws (FAILED_PRECONDITION, SignatureValidationFailed) unless the policy in `file` accepts the
 * manifest `m` of `ref` (its digest and the bytes the registry served for it).
 */
export async function enforceTrust(client: RegistryClient, file: string, ref: ImageReference, m: PulledManifest, o: FetchOptions): Promise<Decision> {
  const d = decide(await loadPolicy(file), ref);
  const found = new Found(client, ref, m.digest, o);
  for (const r of d.requirements) {
    if (r.type === 'insecureAcceptAnything') continue;
    if (r.type === 'reject') throw refused(ref, file, d.scope, 'the scope rejects every image ("reject")');
    const why = await sigstoreRejection(r, found, ref, m);
    if (why !== undefined) throw refused(ref, file, d.scope, why);
  }
  return d;
}

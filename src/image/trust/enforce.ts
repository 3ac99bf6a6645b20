// The trust check of a pull: the policy's most specific scope for the image decides, and every
// requirement in it must hold for the manifest the registry served (the top-level one, index or
// manifest, the digest cosign signs), before anything of the image is stored.
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
import { signatureRejection, signatureTag, type CosignSignature } from './cosign.js';
import { loadPolicy } from './policy-file.js';
import type { Policy, Requirement, SigstoreSigned } from './policy.js';
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

/** Why no signature satisfies `r`, or undefined when one does. */
function sigstoreRejection(r: SigstoreSigned, sigs: CosignSignature[], ref: ImageReference, digest: string): string | undefined {
  const want = `requires a sigstore signature of ${digest} by ${keyList(r)}`;
  if (!sigs.length) return `${want}; the registry has none (no ${signatureTag(digest)} signature manifest)`;
  const reasons: string[] = [];
  for (const s of sigs) {
    const why = signatureRejection(s, r.keys, digest, ref, r.signedIdentity);
    if (why === undefined) return undefined;
    reasons.push(`signature ${s.layerDigest.slice(7, 19)}: ${why}`);
  }
  return `${want}; ${sigs.length > 1 ? `none of its ${sigs.length} signatures is accepted` : 'its signature is not accepted'} (${reasons.join('; ')})`;
}

/**
 * Throws (FAILED_PRECONDITION, SignatureValidationFailed) unless the policy in `file` accepts the
 * manifest `digest` of `ref`.
 */
export async function enforceTrust(client: RegistryClient, file: string, ref: ImageReference, digest: string, o: FetchOptions): Promise<Decision> {
  const d = decide(await loadPolicy(file), ref);
  let sigs: CosignSignature[] | undefined;
  for (const r of d.requirements) {
    if (r.type === 'insecureAcceptAnything') continue;
    if (r.type === 'reject') throw refused(ref, file, d.scope, 'the scope rejects every image ("reject")');
    sigs ??= await fetchCosignSignatures(client, ref, digest, o);
    const why = sigstoreRejection(r, sigs, ref, digest);
    if (why !== undefined) throw refused(ref, file, d.scope, why);
  }
  return d;
}

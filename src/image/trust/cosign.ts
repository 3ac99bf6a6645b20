// cosign's key-signed image signatures, as cosign stores them (sigstore/cosign specs/SIGNATURE_SPEC.md):
// an OCI image manifest tagged `sha256-<hex>.sig` in the image's repository, one layer per
// signature whose blob is a "simple signing" payload (containers/image
// docs/containers-signature.5.md, JSON data format; critical.type "cosign container image
// signature") and whose annotation `dev.cosignproject.cosign/signature` is the base64 signature
// over the payload's bytes (ECDSA with SHA-256, ASN.1 DER, for cosign's keys).
//
// Verification uses node:crypto: a public key from the policy and one crypto.verify per signature.
// The sigstore libraries (@sigstore/verify, @sigstore/bundle) verify sigstore *bundles* against a
// trusted root (Fulcio, Rekor, timestamp authorities) and have no entry point for this older,
// tag-based layout, where the whole check is that one signature over that payload.
import type { KeyObject } from 'node:crypto';
import { digestOf } from '../content-store.js';
import { verifiedByAny } from './key-verify.js';
import { identityMismatch, type SignedIdentity } from './identity.js';
import type { ImageReference } from '../reference.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Where cosign puts the signatures of the manifest `digest`: sha256:ab… → sha256-ab….sig */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/** One signature as found in the registry. */
export interface CosignSignature {
  /** The payload blob's digest (named in messages). */
  layerDigest: string;
  payload: Buffer;
  /** The annotation's base64 text. */
  signature: string;
}

/** The simple signing payload's fields that verification reads (all others are ignored, as cosign does). */
interface SimpleSigning {
  critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown }; identity?: { 'docker-reference'?: unknown } };
}

/**
 * Whether `sig` vouches for the manifest `digest` of `ref` with one of `keys`: the signature over
 * the payload checks out first (nothing unsigned is read), then the payload names this digest and
 * an identity `signedIdentity` accepts. Undefined when it does; else why not.
 */
export function signatureRejection(sig: CosignSignature, keys: KeyObject[], digest: string, ref: ImageReference, identity: SignedIdentity): string | undefined {
  if (digestOf(sig.payload) !== sig.layerDigest) return `its payload does not match its digest ${sig.layerDigest}`;
  if (!verifiedByAny(sig.payload, Buffer.from(sig.signature, 'base64'), keys)) return `it is not signed by ${keys.length > 1 ? 'any of the trusted keys' : 'the trusted key'}`;
  let p: SimpleSigning;
  try {
    p = JSON.parse(sig.payload.toString('utf8')) as SimpleSigning;
  } catch {
    return 'its payload is not JSON';
  }
  const c = p.critical;
  if (typeof c !== 'object' || c === null) return 'its payload has no "critical" section';
  if (c.type !== COSIGN_SIGNATURE_TYPE) return `its payload type is ${JSON.stringify(c.type)}, not "${COSIGN_SIGNATURE_TYPE}"`;
  const signed = c.image?.['docker-manifest-digest'];
  if (signed !== digest) return `it signs the manifest ${typeof signed === 'string' ? signed : '(none)'}, not ${digest}`;
  const claimed = c.identity?.['docker-reference'];
  if (typeof claimed !== 'string') return 'its payload names no docker-reference';
  return identityMismatch(identity, ref, claimed);
}

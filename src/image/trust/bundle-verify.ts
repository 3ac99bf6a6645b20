// Whether a sigstore bundle vouches, with one of a policy's public keys, for the manifest pulled.
//
// What cosign signs this way: `cosign sign --key … --new-bundle-format` (cosign v2.4+, the default
// in v3; sign.go signDigestBundle) wraps an in-toto Statement v1 whose one subject carries the
// manifest digest ({"sha256": "<hex>"}) and whose predicateType is
// https://sigstore.dev/cosign/sign/v1 (an empty predicate) in a DSSE envelope of payloadType
// application/vnd.in-toto+json. The predicate type is what makes it a signature: `cosign attest`
// stores SLSA or SBOM attestations as bundles of the same artifactType, and a key's provenance
// statement about an image is not its approval of it, so those are refused (cosign verify does the
// same). A messageSignature bundle (`sign-blob` style) is accepted when its signature is over the
// manifest's bytes themselves (messageDigest: SHA2_256 of them, the manifest digest).
//
// Transparency log and timestamps: not required, and not read. The policy's sigstoreSigned with
// keyPath/keyData and no rekorPublicKey is containers-policy.json(5)'s offline key check, in which
// containers/image requires no Rekor proof; rktlet refuses rekorPublicKey* in a policy rather than
// skipping it, so no policy can ask for a log proof that is not checked. A bundle's tlogEntries are
// therefore neither needed (cosign sign --tlog-upload=false makes bundles without them) nor taken
// as evidence of anything.
//
// What the sigstore libraries do here, and what they do not (issue 18; sigstore-lib.test.ts proves
// each point against the installed versions):
// - @sigstore/bundle parses and shape-checks the JSON (sigstore-bundle.ts);
// - @sigstore/verify checks the signature: toSignedEntity picks the signed bytes (the DSSE PAE,
//   computed by @sigstore/core, or the artifact for a messageSignature) and Verifier.verify checks
//   them with the key that toTrustMaterial's key finder returns. It does the key-only check offline:
//   it fetches nothing (the four packages require no Node.js module but crypto and util; the
//   TUF-fetched trusted root is @sigstore/tuf's, which the `sigstore` package uses and rktlet does
//   not install), the trusted root given is empty (no CA, log, CT log or timestamp authority), and
//   the thresholds are 0 for tlog, ctlog and timestamps. With its defaults (1 of each) it refuses
//   every key-only bundle ("expected 1 timestamps, got 0").
// - It verifies every tlog entry and RFC 3161 timestamp a bundle carries against the trusted root
//   whatever the thresholds, so a bundle that cosign uploaded to Rekor (its default) would fail
//   with no log key to check it by, and a policy without rekorPublicKey has none. The entity is
//   therefore built from the bundle without them, which is exactly "not read" above.
// - Its key finder is looked up by publicKey.hint, which is only a hint: each policy key gets a
//   finder that ignores it, and the bundle passes when one key verifies it.
// - It checks no binding: not the subject digest, the payload type, the predicate type, nor that a
//   messageSignature's digest is the manifest's. Those, and signedIdentity, stay rktlet's, below.
// - A messageSignature is verified with the bundle's digest algorithm named to node:crypto, which
//   Ed25519 refuses: the library never accepts an Ed25519 messageSignature bundle, which the
//   hand-written check this replaced did (pure Ed25519 over the manifest's bytes). cosign signs
//   images with DSSE bundles, and those verify with Ed25519 keys.
// - cosign's `.sig` simple signing (cosign.ts) has no entry point in the libraries: it stays on
//   node:crypto (key-verify.ts).
// The libraries are loaded on the first bundle to verify (sigstore-lib.ts).
import type { KeyObject } from 'node:crypto';
import type { BundleWithPublicKey } from '@sigstore/bundle';
import { repoName, type ImageReference } from '../reference.js';
import { identityMismatch, type SignedIdentity } from './identity.js';
import { parseBundle } from './sigstore-bundle.js';
import { sigstoreLibs, type SigstoreLibs } from './sigstore-lib.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
/** in-toto Statement versions (in-toto/attestation spec/v1/statement.md; v0.1 from older tools). */
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

/** The manifest pulled: its digest (sha256:…) and the bytes it is the digest of. */
export interface PulledManifest {
  digest: string;
  bytes: Buffer;
}

function notByKey(keys: KeyObject[]): string {
  return `it is not signed by ${keys.length > 1 ? 'any of the trusted keys' : 'the trusted key'}`;
}

/** No CA, no Rekor or CT log, no timestamp authority: the policy gives keys only. */
const EMPTY_TRUSTED_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot.v0.2+json', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
const KEY_ONLY = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };

/**
 * Why none of `keys` verifies the bundle's signature (over `artifact`, for a messageSignature), or
 * undefined when one does. The log entries and timestamps are left out of the entity: see above.
 */
function signatureRejection(v: SigstoreLibs['verify'], b: BundleWithPublicKey, artifact: Buffer | undefined, keys: KeyObject[]): string | undefined {
  const keyOnly = { ...b, verificationMaterial: { ...b.verificationMaterial, tlogEntries: [], timestampVerificationData: undefined } };
  const entity = v.toSignedEntity(keyOnly, artifact);
  for (const key of keys) {
    const verifier = new v.Verifier(v.toTrustMaterial(EMPTY_TRUSTED_ROOT, () => ({ publicKey: key, validFor: () => true })), KEY_ONLY);
    try {
      verifier.verify(entity);
      return undefined;
    } catch (err) {
      if (!(err instanceof v.VerificationError)) throw err;
      // Nothing but the signature is checked, so nothing else can fail; if it ever does, say so.
      if (err.code !== 'SIGNATURE_ERROR') return `the sigstore verifier refused it: ${err.code}: ${err.message}`;
    }
  }
  return notByKey(keys);
}

interface Statement {
  _type?: unknown;
  subject?: unknown;
  predicateType?: unknown;
}

/** The statement's subject digests, as sha256:<hex>. */
function subjectDigests(s: Statement): string[] {
  if (!Array.isArray(s.subject)) return [];
  return s.subject.flatMap((x: unknown) => {
    const hex = (x as { digest?: { sha256?: unknown } } | null)?.digest?.sha256;
    return typeof hex === 'string' ? [`sha256:${hex}`] : [];
  });
}

/** What the signed in-toto statement says, checked once the signature is: rktlet's binding. */
function statementRejection(payloadType: string, payload: Buffer, m: PulledManifest): string | undefined {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return `its payloadType is ${JSON.stringify(payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`;
  let s: Statement;
  try {
    s = JSON.parse(payload.toString('utf8')) as Statement;
  } catch {
    return 'its in-toto statement is not JSON';
  }
  if (typeof s !== 'object' || s === null || !STATEMENT_TYPES.has(s._type as string)) return `its payload is not an in-toto statement (_type ${JSON.stringify(s?._type)})`;
  if (s.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) return `it is an attestation (predicateType ${JSON.stringify(s.predicateType)}), not a cosign signature (${COSIGN_SIGN_PREDICATE_TYPE})`;
  const subjects = subjectDigests(s);
  if (!subjects.includes(m.digest)) return `it signs the manifest ${subjects.join(', ') || '(none)'}, not ${m.digest}`;
  return undefined;
}

/** protobuf-specs sigstore_common.proto HashAlgorithm.SHA2_256 (the enum bundleFromJSON decodes to). */
const SHA2_256 = 1;

/** The signature first (nothing unsigned is read), then what it binds. */
function contentRejection(v: SigstoreLibs['verify'], b: BundleWithPublicKey, keys: KeyObject[], m: PulledManifest): string | undefined {
  const c = b.content;
  if (c.$case === 'dsseEnvelope') {
    const e = c.dsseEnvelope;
    return signatureRejection(v, b, undefined, keys) ?? statementRejection(e.payloadType, Buffer.from(e.payload), m);
  }
  const md = c.messageSignature.messageDigest;
  // The library hashes the artifact with the bundle's algorithm; the binding is to a sha256 digest.
  if (md?.algorithm !== SHA2_256) return `its messageDigest algorithm is not SHA2_256 (HashAlgorithm ${String(md?.algorithm)})`;
  const signed = `sha256:${Buffer.from(md.digest).toString('hex')}`;
  if (signed !== m.digest) return `it signs the manifest ${signed}, not ${m.digest}`;
  return signatureRejection(v, b, m.bytes, keys);
}

/**
 * signedIdentity for a bundle. cosign's statement names no image (its subject carries the digest
 * only), so the identity a bundle stands for is the repository it is attached to, as a cosign
 * simple signing payload claims its repository: matchRepository accepts it, the default
 * matchRepoDigestOrExact for a digest-pinned pull only, matchExact never. The rules that pin a name
 * the signer wrote (exactReference, exactRepository, remapIdentity) cannot be met by a bundle.
 */
function identityRejection(id: SignedIdentity, ref: ImageReference): string | undefined {
  if (id.type === 'exactReference' || id.type === 'exactRepository' || id.type === 'remapIdentity') {
    return `a sigstore bundle signs no image name, which signedIdentity ${id.type} requires`;
  }
  return identityMismatch(id, ref, repoName(ref));
}

/** Undefined when the bundle `bytes` vouches for `m` of `ref` with one of `keys`; else why not. */
export async function bundleRejection(bytes: Buffer, keys: KeyObject[], m: PulledManifest, ref: ImageReference, id: SignedIdentity): Promise<string | undefined> {
  const lib = await sigstoreLibs();
  let b;
  try {
    b = parseBundle(bytes, lib.bundle);
  } catch (err) {
    return (err as Error).message;
  }
  return contentRejection(lib.verify, b, keys, m) ?? identityRejection(id, ref);
}

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
// The checks are node:crypto's, as for cosign.ts: the sigstore npm libraries (@sigstore/bundle,
// @sigstore/verify) are not dependencies of rktlet, and a key-only check is this file's size.
import type { KeyObject } from 'node:crypto';
import { repoName, type ImageReference } from '../reference.js';
import { pae } from './dsse.js';
import { verifiedByAny } from './key-verify.js';
import { identityMismatch, type SignedIdentity } from './identity.js';
import { parseBundle, type DsseEnvelope, type MessageSignature } from './sigstore-bundle.js';

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

function dsseRejection(e: DsseEnvelope, keys: KeyObject[], m: PulledManifest): string | undefined {
  if (!e.signatures.some((sig) => verifiedByAny(pae(e.payloadType, e.payload), sig, keys))) return notByKey(keys);
  if (e.payloadType !== IN_TOTO_PAYLOAD_TYPE) return `its payloadType is ${JSON.stringify(e.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`;
  let s: Statement;
  try {
    s = JSON.parse(e.payload.toString('utf8')) as Statement;
  } catch {
    return 'its in-toto statement is not JSON';
  }
  if (typeof s !== 'object' || s === null || !STATEMENT_TYPES.has(s._type as string)) return `its payload is not an in-toto statement (_type ${JSON.stringify(s?._type)})`;
  if (s.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) return `it is an attestation (predicateType ${JSON.stringify(s.predicateType)}), not a cosign signature (${COSIGN_SIGN_PREDICATE_TYPE})`;
  const subjects = subjectDigests(s);
  if (!subjects.includes(m.digest)) return `it signs the manifest ${subjects.join(', ') || '(none)'}, not ${m.digest}`;
  return undefined;
}

function messageRejection(ms: MessageSignature, keys: KeyObject[], m: PulledManifest): string | undefined {
  if (ms.algorithm !== 'SHA2_256') return `its messageDigest algorithm is ${ms.algorithm}, not SHA2_256`;
  const signed = `sha256:${ms.digest.toString('hex')}`;
  if (signed !== m.digest) return `it signs the manifest ${signed}, not ${m.digest}`;
  return verifiedByAny(m.bytes, ms.signature, keys) ? undefined : notByKey(keys);
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
export function bundleRejection(bytes: Buffer, keys: KeyObject[], m: PulledManifest, ref: ImageReference, id: SignedIdentity): string | undefined {
  let c;
  try {
    c = parseBundle(bytes);
  } catch (err) {
    return (err as Error).message;
  }
  const why = c.kind === 'dsse' ? dsseRejection(c.envelope, keys, m) : messageRejection(c.message, keys, m);
  return why ?? identityRejection(id, ref);
}

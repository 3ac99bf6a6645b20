// A sigstore bundle, v0.3, in its JSON form (sigstore/protobuf-specs protos/sigstore_bundle.proto,
// proto3 JSON mapping), read with @sigstore/bundle's bundleFromJSON: it decodes the fields (base64
// bytes, enums) and asserts the shape (assertBundleLatest: a content and a verification material
// present, one DSSE signature, a message digest, well-formed log entries).
//
// What rktlet checks before handing the JSON over, because the library lets it through:
// - the media type is v0.3 (the artifact type a referrer is found by); bundleFromJSON also takes
//   v0.1/v0.2 and any `bundle.vX.Y+json`;
// - a certificate (keyless, Fulcio) is refused: the policy names keys only, and the library parses
//   one happily;
// - each oneof holds one member: Bundle.fromJSON silently takes messageSignature over dsseEnvelope,
//   and publicKey over a certificate, when a bundle carries both (proto3 JSON forbids it), which
//   would let a bundle show one thing to one reader and another to us (sigstore-lib.test.ts).
// `publicKey.hint` only hints which key: nothing in it is trusted (bundle-verify.ts tries the
// policy's keys).
import type { BundleWithPublicKey, ValidationError } from '@sigstore/bundle';
import type { SigstoreLibs } from './sigstore-lib.js';

// Kept here, not taken from the library, so that referrers.ts can name it without loading it.
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Present, as protobuf-specs' fromJSON reads a field (null is absent). */
const isSet = (v: unknown) => v !== null && v !== undefined;

const CERTIFICATE = 'its verification material is a certificate (keyless, Fulcio), not a public key; the policy names keys only';

/** What rktlet refuses in the JSON that bundleFromJSON accepts; undefined when none of it. */
function rktletProblem(b: Obj): string | undefined {
  if (b.mediaType !== BUNDLE_V03_MEDIA_TYPE) return `its mediaType is ${JSON.stringify(b.mediaType)}, not ${BUNDLE_V03_MEDIA_TYPE}`;
  const vm = isObj(b.verificationMaterial) ? b.verificationMaterial : {};
  if (isSet(vm.certificate) || isSet(vm.x509CertificateChain)) return CERTIFICATE;
  if (isSet(b.dsseEnvelope) && isSet(b.messageSignature)) return 'it must carry exactly one of dsseEnvelope and messageSignature';
  return undefined;
}

/** The library's ValidationError fields, in words; the verification material's first, as it is read first. */
function fieldProblem(b: Obj, fields: string[]): string {
  const has = (f: string) => fields.includes(f);
  if (has('verificationMaterial')) return 'it has no verificationMaterial';
  if (has('verificationMaterial.content')) return 'its verification material names no public key';
  if (has('content')) return 'it must carry exactly one of dsseEnvelope and messageSignature';
  const sigs = isObj(b.dsseEnvelope) && Array.isArray(b.dsseEnvelope.signatures) ? b.dsseEnvelope.signatures.length : 0;
  if (has('content.dsseEnvelope.signatures')) return `its dsseEnvelope has ${sigs} signatures, not exactly one`;
  return `it is not a valid sigstore bundle (missing or empty: ${fields.join(', ')})`;
}

/** The bundle; throws with the reason when `bytes` is no key-signed v0.3 bundle. */
export function parseBundle(bytes: Buffer, lib: SigstoreLibs['bundle']): BundleWithPublicKey {
  let b: unknown;
  try {
    b = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('it is not JSON');
  }
  if (!isObj(b)) throw new Error('it is not a JSON object');
  const problem = rktletProblem(b);
  if (problem) throw new Error(problem);
  let bundle;
  try {
    bundle = lib.bundleFromJSON(b);
  } catch (err) {
    if (err instanceof lib.ValidationError) throw new Error(fieldProblem(b, (err as ValidationError).fields), { cause: err });
    // Bundle.fromJSON's own faults: an unknown enum name, a field of the wrong JSON type.
    throw new Error(`it is not a sigstore bundle: ${(err as Error).message}`, { cause: err });
  }
  if (!lib.isBundleWithPublicKey(bundle)) throw new Error('its verification material names no public key');
  return bundle;
}

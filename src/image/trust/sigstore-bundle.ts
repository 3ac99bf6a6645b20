// A sigstore bundle, v0.3, in its JSON form (sigstore/protobuf-specs protos/sigstore_bundle.proto,
// proto3 JSON mapping: camelCase fields, bytes as base64), read as far as a key-based check needs:
// the verification material must be a public key (`publicKey.hint`, which only hints which key:
// nothing in it is trusted), and the content is either a DSSE envelope (`dsseEnvelope`) or a
// signature over the artifact (`messageSignature`: `messageDigest` {algorithm, digest} and
// `signature`). Transparency-log entries and timestamps may be present and are not read: see
// bundle-verify.ts for why.
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface DsseEnvelope {
  payload: Buffer;
  payloadType: string;
  signatures: Buffer[];
}

export interface MessageSignature {
  /** protobuf-specs HashAlgorithm name, e.g. SHA2_256. */
  algorithm: string;
  digest: Buffer;
  signature: Buffer;
}

export type BundleContent = { kind: 'dsse'; envelope: DsseEnvelope } | { kind: 'message'; message: MessageSignature };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function b64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) throw new Error(`${what} is not base64`);
  return Buffer.from(v, 'base64');
}

/** Why the verification material is not a bare public key, or undefined when it is. */
function materialProblem(vm: unknown): string | undefined {
  if (!isObj(vm)) return 'it has no verificationMaterial';
  if ('certificate' in vm || 'x509CertificateChain' in vm) return 'its verification material is a certificate (keyless, Fulcio), not a public key; the policy names keys only';
  if (!isObj(vm.publicKey)) return 'its verification material names no public key';
  return undefined;
}

function envelope(e: Obj): DsseEnvelope {
  if (typeof e.payloadType !== 'string') throw new Error('its dsseEnvelope has no payloadType');
  if (!Array.isArray(e.signatures)) throw new Error('its dsseEnvelope has no signatures');
  // protobuf-specs: the envelope in a bundle carries exactly one signature.
  if (e.signatures.length !== 1) throw new Error(`its dsseEnvelope has ${e.signatures.length} signatures, not exactly one`);
  const sigs = e.signatures.map((s, i) => b64(isObj(s) ? s.sig : undefined, `dsseEnvelope.signatures[${i}].sig`));
  return { payload: b64(e.payload, 'dsseEnvelope.payload'), payloadType: e.payloadType, signatures: sigs };
}

function message(m: Obj): MessageSignature {
  const md = m.messageDigest;
  if (!isObj(md) || typeof md.algorithm !== 'string') throw new Error('its messageSignature has no messageDigest');
  return { algorithm: md.algorithm, digest: b64(md.digest, 'messageDigest.digest'), signature: b64(m.signature, 'messageSignature.signature') };
}

/** The bundle's signed content; throws with the reason when `bytes` is no key-signed v0.3 bundle. */
export function parseBundle(bytes: Buffer): BundleContent {
  let b: unknown;
  try {
    b = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('it is not JSON');
  }
  if (!isObj(b)) throw new Error('it is not a JSON object');
  if (b.mediaType !== BUNDLE_V03_MEDIA_TYPE) throw new Error(`its mediaType is ${JSON.stringify(b.mediaType)}, not ${BUNDLE_V03_MEDIA_TYPE}`);
  const problem = materialProblem(b.verificationMaterial);
  if (problem) throw new Error(problem);
  const hasDsse = isObj(b.dsseEnvelope);
  if (hasDsse === isObj(b.messageSignature)) throw new Error('it must carry exactly one of dsseEnvelope and messageSignature');
  return hasDsse ? { kind: 'dsse', envelope: envelope(b.dsseEnvelope as Obj) } : { kind: 'message', message: message(b.messageSignature as Obj) };
}

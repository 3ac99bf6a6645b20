// Finds an image's cosign signatures in its registry: the `sha256-<hex>.sig` manifest beside it
// (through the same endpoints, mirrors first, as the image), and each signature's payload blob.
import { InvalidArgumentError, NotFoundError } from '../../errors/catalog.js';
import type { Credentials } from '../auth.js';
import { isDigest, type ImageReference } from '../reference.js';
import { abandon, type Endpoint, type RegistryClient } from '../registry-client.js';
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag, type CosignSignature } from './cosign.js';

/** A simple signing payload is a few hundred bytes; anything near this is not one. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Signatures read per image: enough for key rotation, not a way to make a pull do endless work. */
export const MAX_SIGNATURES = 32;

export interface FetchOptions {
  creds: Credentials | undefined;
  signal: AbortSignal | undefined;
  endpoint: Endpoint | undefined;
}

interface SigLayer {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  annotations?: Record<string, unknown>;
}

/** A small blob read whole, refused past `max` bytes (announced or actual); `what` names it. */
export async function readSmallBlob(client: RegistryClient, ref: ImageReference, l: { digest: string; size: number }, max: number, what: string, o: FetchOptions): Promise<Buffer> {
  // The digest goes into a URL path: only a well-formed one is asked for.
  if (!isDigest(l.digest)) throw new InvalidArgumentError(`${what} digest ${JSON.stringify(l.digest)} is not sha256:<64 hex>`);
  if (l.size > max) throw new InvalidArgumentError(`${what} ${l.digest} is ${l.size} bytes, more than ${max}`);
  const res = await client.fetchBlob(ref, l.digest, o.creds, o.endpoint, o.signal);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > max) {
      abandon(res.body);
      throw new InvalidArgumentError(`${what} ${l.digest} is longer than ${max} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts, n);
}

/** The signatures stored for `digest`; [] when the registry has no signature manifest for it. */
export async function fetchCosignSignatures(client: RegistryClient, ref: ImageReference, digest: string, o: FetchOptions): Promise<CosignSignature[]> {
  let m;
  try {
    m = await client.fetchManifest(ref, signatureTag(digest), o.creds, o.signal, o.endpoint);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
  let layers: SigLayer[];
  try {
    const parsed = JSON.parse(m.bytes.toString('utf8')) as { layers?: unknown };
    if (!Array.isArray(parsed.layers)) throw new Error('no layers');
    layers = parsed.layers as SigLayer[];
  } catch (err) {
    throw new InvalidArgumentError(`signature manifest ${ref.path}:${signatureTag(digest)} is not an image manifest: ${(err as Error).message}`);
  }
  const out: CosignSignature[] = [];
  for (const l of layers.filter((x) => x.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).slice(0, MAX_SIGNATURES)) {
    const signature = l.annotations?.[SIGNATURE_ANNOTATION];
    if (typeof l.digest !== 'string' || typeof l.size !== 'number' || typeof signature !== 'string') continue;
    out.push({ layerDigest: l.digest, payload: await readSmallBlob(client, ref, { digest: l.digest, size: l.size }, MAX_PAYLOAD_BYTES, 'signature payload', o), signature });
  }
  return out;
}

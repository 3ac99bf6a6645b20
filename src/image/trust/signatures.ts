// Finds an image's cosign signatures in its registry: the `sha256-<hex>.sig` manifest beside it
// (through the same endpoints, mirrors first, as the image), and each signature's payload blob.
import { InvalidArgumentError, NotFoundError } from '../../errors/catalog.js';
import type { Credentials } from '../auth.js';
import type { ImageReference } from '../reference.js';
import { abandon, type Endpoint, type RegistryClient } from '../registry-client.js';
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag, type CosignSignature } from './cosign.js';

/** A simple signing payload is a few hundred bytes; anything near this is not one. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Signatures read per image: enough for key rotation, not a way to make a pull do endless work. */
const MAX_SIGNATURES = 32;

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

async function readPayload(client: RegistryClient, ref: ImageReference, l: { digest: string; size: number }, o: FetchOptions): Promise<Buffer> {
  if (l.size > MAX_PAYLOAD_BYTES) throw new InvalidArgumentError(`signature payload ${l.digest} is ${l.size} bytes, more than a simple signing payload (${MAX_PAYLOAD_BYTES})`);
  const res = await client.fetchBlob(ref, l.digest, o.creds, o.endpoint, o.signal);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > MAX_PAYLOAD_BYTES) {
      abandon(res.body);
      throw new InvalidArgumentError(`signature payload ${l.digest} is longer than ${MAX_PAYLOAD_BYTES} bytes`);
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
    out.push({ layerDigest: l.digest, payload: await readPayload(client, ref, { digest: l.digest, size: l.size }, o), signature });
  }
  return out;
}

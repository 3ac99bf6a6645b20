// One signature checked against a policy's public keys, as cosign signs with them.
import { verify, type KeyObject } from 'node:crypto';

/**
 * Whether `sig` over `message` checks out with one of `keys`: Ed25519 signs the message itself;
 * ECDSA and RSA keys sign its SHA-256, cosign's default for the keys it makes and loads.
 */
export function verifiedByAny(message: Buffer, sig: Buffer, keys: KeyObject[]): boolean {
  if (!sig.length) return false;
  return keys.some((k) => {
    try {
      return verify(k.asymmetricKeyType === 'ed25519' ? null : 'sha256', message, k, sig);
    } catch {
      return false;
    }
  });
}

// What a failed connection to a registry means, in words an operator can act on. OpenSSL's own
// strings ("ssl3_get_record:wrong version number") never reach the caller: a TLS failure names
// the registry and the config key that would change the outcome, with FAILED_PRECONDITION (the
// configuration decides it, retrying does not help); a network failure is UNAVAILABLE.
import { FailedPreconditionError, RktletError, UnavailableError } from '../errors/catalog.js';

const INSECURE_KEY = 'image.insecure_registries';

/** OpenSSL's answer when the other end replies to a ClientHello with something that is not TLS. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_RECORD_LENGTH_MISMATCH']);

/** Certificate verification failures, as Node names them. */
const CERT_WORDS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by a trusted authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the authority that signed its certificate is not trusted here',
  UNABLE_TO_GET_ISSUER_CERT: 'the authority that signed its certificate is unknown',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another name',
  CERT_REVOKED: 'its certificate is revoked',
  CERT_UNTRUSTED: 'its certificate is not trusted',
};

interface ErrLike {
  code?: unknown;
  library?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The errors in a chain of causes (undici wraps socket errors), outermost first. */
function chain(err: unknown): ErrLike[] {
  const out: ErrLike[] = [];
  let e: unknown = err;
  while (e && typeof e === 'object' && out.length < 5) {
    out.push(e as ErrLike);
    e = (e as ErrLike).cause;
  }
  return out;
}

function codeOf(e: ErrLike): string {
  return typeof e.code === 'string' ? e.code : '';
}

function isTls(e: ErrLike): boolean {
  const code = codeOf(e);
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code in CERT_WORDS || e.library === 'SSL routines';
}

/** Codes of failures to reach a host at all: no protocol was spoken, so plain HTTP fares no better. */
const UNREACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether an HTTPS attempt failed before any TLS was spoken (refused, unreachable, unresolved):
 * falling back to plain HTTP then, and remembering it, would mislabel a TLS registry that is
 * merely down.
 */
export function neverConnected(err: unknown): boolean {
  return chain(err).some((e) => UNREACHED.has(codeOf(e)));
}

/**
 * The catalog error for a request to `registry` ("host[:port]", as image.insecure_registries names
 * it) that failed before any HTTP answer. Our own errors pass through unchanged.
 */
export function registryTransportError(registry: string, insecure: boolean, err: unknown): RktletError {
  if (err instanceof RktletError) return err;
  const errs = chain(err);
  const tls = errs.find(isTls);
  if (tls) {
    const code = codeOf(tls);
    if (NOT_TLS.has(code)) {
      return new FailedPreconditionError(
        `registry ${registry} does not answer over TLS (it looks like a plain-HTTP registry); plain HTTP is used only for loopback ` +
          `registries and those listed in ${INSECURE_KEY}: add "${registry}" there to allow it`,
        { cause: err },
      );
    }
    const why = CERT_WORDS[code] ?? `the TLS handshake failed${code ? ` (${code})` : ''}`;
    const fix = insecure
      ? 'it is reached without certificate checks already, so the registry itself refused TLS'
      : `trust its certificate authority on this host, or list "${registry}" in ${INSECURE_KEY} to skip verification`;
    return new FailedPreconditionError(`cannot reach registry ${registry} over TLS: ${why}; ${fix}`, { cause: err });
  }
  const net = errs.find((e) => /^E[A-Z]+$/.test(codeOf(e))) ?? errs.find((e) => codeOf(e)) ?? errs[0];
  const detail = net ? `${codeOf(net) || 'error'}${typeof net.message === 'string' && net.message ? `: ${net.message}` : ''}` : String(err);
  return new UnavailableError(`registry ${registry} unreachable (${detail})`, { cause: err });
}

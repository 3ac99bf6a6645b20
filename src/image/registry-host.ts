// Which registries are reached without TLS verification and, failing TLS, over plain HTTP: the
// configured insecure ones and, as docker and containerd do, those on the loopback interface.
// Loopback is decided from the registry name alone (never by resolving it): `localhost`, an IPv4
// address in 127.0.0.0/8, or ::1, each with or without a port.
import { isIP } from 'node:net';

/** The host part of "host", "host:port", "[v6]" or "[v6]:port" (lower-cased). */
export function hostPart(registry: string): string {
  const s = registry.toLowerCase();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end > 0 ? s.slice(1, end) : s;
  }
  const colon = s.indexOf(':');
  return colon === -1 ? s : s.slice(0, colon);
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = hostPart(registry);
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * Whether TLS may go unverified and fall back to plain HTTP for this registry ("host[:port]").
 * `loopback` (image.insecure_loopback): loopback registries count as listed.
 */
export function isInsecureRegistry(registry: string, configured: readonly string[], loopback = true): boolean {
  return configured.includes(registry) || (loopback && isLoopbackRegistry(registry));
}

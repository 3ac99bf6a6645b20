// The pod's /etc/resolv.conf, /etc/hosts and hostname files (pure text builders).
import type { DNSConfig__Output } from '../gen/runtime/v1/DNSConfig.js';

/** True when the kubelet sent any DNS setting (otherwise the host's resolv.conf is used). */
export function hasDnsConfig(dns: DNSConfig__Output | null | undefined): dns is DNSConfig__Output {
  return !!dns && (dns.servers.length > 0 || dns.searches.length > 0 || dns.options.length > 0);
}

/** resolv.conf from the CRI DNSConfig: search line, nameservers, options (glibc order). */
export function resolvConf(dns: DNSConfig__Output): string {
  const lines: string[] = [];
  if (dns.searches.length) lines.push(`search ${dns.searches.join(' ')}`);
  for (const s of dns.servers) lines.push(`nameserver ${s}`);
  if (dns.options.length) lines.push(`options ${dns.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Rejects values that would inject extra lines or break the file. */
export function invalidDnsValue(dns: DNSConfig__Output): string | undefined {
  for (const v of [...dns.servers, ...dns.searches, ...dns.options]) {
    if (!v || /[\s#;]/.test(v)) return v;
  }
  return undefined;
}

/** /etc/hosts of a pod with its own network: localhost entries and the pod's own name. */
export function hostsFile(hostname: string, ips: readonly string[]): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  for (const ip of ips) lines.push(`${ip}\t${hostname}`);
  return lines.join('\n') + '\n';
}

/** A valid RFC 1123 host name (what the kernel and the kubelet accept). */
export function validHostname(h: string): boolean {
  return h.length <= 64 && /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(h);
}

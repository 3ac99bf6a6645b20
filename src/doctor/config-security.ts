// Which of the security defaults the configuration turns off (README "Security defaults"): each
// one off is said, so an operator sees the weakened posture in the same report as the host's.
import type { Config } from '../config/schema.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../oci/spec/defaults.js';
import type { Finding } from './finding.js';

function isLoopbackAddress(a: string): boolean {
  return a === 'localhost' || a.startsWith('127.') || a === '::1' || a === '[::1]';
}

export function configSecurityFindings(c: Config): Finding[] {
  const off: Finding[] = [];
  const warn = (key: string, summary: string, fix: string) => off.push({ check: `config.${key}`, status: 'warn', summary, fix });
  const r = c.runtime;
  if (!r.seccomp_use_default_when_empty) {
    warn('runtime.seccomp_use_default_when_empty', 'containers that ask for no seccomp profile run unconfined', 'remove runtime.seccomp_use_default_when_empty = false (a kubelet with SeccompDefault asks for RuntimeDefault itself)');
  }
  if (!r.no_new_privileges) warn('runtime.no_new_privileges', 'containers get no_new_privs only when their request asks', 'remove runtime.no_new_privileges = false');
  const missingMasked = DEFAULT_MASKED_PATHS.filter((p) => !r.masked_paths.includes(p));
  if (missingMasked.length) warn('runtime.masked_paths', `default masked paths not masked: ${missingMasked.join(', ')}`, 'restore runtime.masked_paths to its default');
  const missingRo = DEFAULT_READONLY_PATHS.filter((p) => !r.readonly_paths.includes(p));
  if (missingRo.length) warn('runtime.readonly_paths', `default read-only paths left writable: ${missingRo.join(', ')}`, 'restore runtime.readonly_paths to its default');
  const mode = parseInt(c.grpc.socket_mode, 8);
  if (mode & 0o007) warn('grpc.socket_mode', `the CRI socket is open to every user (mode ${c.grpc.socket_mode}): any local user is root on the node`, 'use 0660 with grpc.socket_group');
  const s = c.streaming;
  if (!isLoopbackAddress(s.address) && !(s.tls_cert && s.tls_key)) {
    warn('streaming.address', `the streaming server listens on ${s.address} without TLS: exec/attach traffic and tokens cross the network in clear`, 'keep streaming.address on 127.0.0.1, or set streaming.tls_cert and tls_key');
  }
  if (s.token_ttl_seconds > 300) warn('streaming.token_ttl_seconds', `streaming URLs stay valid ${s.token_ttl_seconds} s`, 'keep it at a minute or so (default 60)');
  if (c.image.insecure_registries.length) {
    off.push({ check: 'config.image.insecure_registries', status: 'info', summary: `registries reached without TLS verification: ${c.image.insecure_registries.join(', ')}` });
  }
  if (off.length === 0) return [{ check: 'config.security_defaults', status: 'ok', summary: 'every security default is on (seccomp, no_new_privs, masked paths, socket mode, loopback streaming, verified TLS)' }];
  return off;
}

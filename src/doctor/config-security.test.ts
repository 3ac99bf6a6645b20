import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../config/schema.js';
import { configSecurityFindings } from './config-security.js';

test('the defaults are all on; each one turned off is a warning naming its key', () => {
  assert.deepEqual(configSecurityFindings(configSchema.parse({})).map((f) => f.status), ['ok']);
  const weak = configSchema.parse({
    grpc: { socket_mode: '0666' },
    runtime: { seccomp_use_default_when_empty: false, no_new_privileges: false, masked_paths: [], readonly_paths: ['/proc/sys'] },
    streaming: { address: '0.0.0.0', token_ttl_seconds: 3600 },
    image: { insecure_registries: ['reg.local:5000'] },
  });
  const f = configSecurityFindings(weak);
  assert.deepEqual(
    f.map((x) => [x.check, x.status]),
    [
      ['config.runtime.seccomp_use_default_when_empty', 'warn'],
      ['config.runtime.no_new_privileges', 'warn'],
      ['config.runtime.masked_paths', 'warn'],
      ['config.runtime.readonly_paths', 'warn'],
      ['config.grpc.socket_mode', 'warn'],
      ['config.streaming.address', 'warn'],
      ['config.streaming.token_ttl_seconds', 'warn'],
      ['config.image.insecure_registries', 'info'],
    ],
  );
  assert.match(f[3]?.summary ?? '', /\/proc\/bus/);
  // TLS makes a non-loopback streaming address fine.
  const tls = configSchema.parse({ streaming: { address: '0.0.0.0', tls_cert: '/c.pem', tls_key: '/k.pem' } });
  assert.deepEqual(configSecurityFindings(tls).map((x) => x.status), ['ok']);
});

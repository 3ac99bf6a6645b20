import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenge, credentialsFromAuthConfig } from './auth.js';

test('bearer challenges are parsed with quoted values', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm="x"'), { scheme: 'basic', params: { realm: 'x' } });
  assert.equal(parseChallenge(undefined), undefined);
});

test('AuthConfig auth field decodes to username and password', () => {
  const base = { username: '', password: '', auth: '', identity_token: '', registry_token: '' };
  assert.deepEqual(credentialsFromAuthConfig({ ...base, auth: Buffer.from('bob:pa:ss').toString('base64') }), { username: 'bob', password: 'pa:ss' });
  assert.equal(credentialsFromAuthConfig(base), undefined);
  assert.throws(() => credentialsFromAuthConfig({ ...base, auth: Buffer.from('nocolon').toString('base64') }), { code: 'INVALID_ARGUMENT' });
});

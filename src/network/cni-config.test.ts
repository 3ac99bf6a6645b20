import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { loadNetworkConfig, parseNetworkConfig } from './cni-config.js';
import { tempDir } from '../util/test-temp-dir.js';

test('a single-plugin .conf becomes a list', () => {
  const n = parseNetworkConfig('{"cniVersion":"0.4.0","name":"x","type":"bridge"}', 'f');
  assert.deepEqual(n.plugins.map((p) => p.type), ['bridge']);
});

test('no config, a broken one, a missing plugin, then a usable one', async () => {
  const conf = tempDir('rktlet-cni-conf-');
  const bin = tempDir('rktlet-cni-bin-');
  let r = await loadNetworkConfig(conf, [bin]);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.reason === 'NetworkPluginNotReady' && r.message.includes('no CNI network config'));

  writeFileSync(join(conf, '05-broken.conf'), '{nope');
  writeFileSync(join(conf, '10-net.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'net', plugins: [{ type: 'bridge' }] }));
  r = await loadNetworkConfig(conf, [bin]);
  assert.ok(!r.ok && /05-broken\.conf/.test(r.message) && /bridge not found/.test(r.message));

  writeFileSync(join(bin, 'bridge'), '#!/bin/sh\n');
  chmodSync(join(bin, 'bridge'), 0o755);
  r = await loadNetworkConfig(conf, ['/nonexistent', bin]);
  assert.ok(r.ok);
  assert.equal(r.network.name, 'net');
});

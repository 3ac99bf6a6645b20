import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniFindings, conmonFinding, helperFinding, iptablesFinding, runtimeFinding, versionLine } from './tools.js';

const ran = (path: string, output: string) => ({ path, ok: true, output });
const missing = (path: string) => ({ path, ok: false, output: '', error: 'ENOENT' });

test('runtimes: present with a version; the default handler missing fails, another warns', () => {
  const runc = runtimeFinding('runc', true, ran('/usr/sbin/runc', 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev'));
  assert.equal(runc.status, 'ok');
  assert.equal(runc.facts?.version, 'runc version 1.1.5+ds1');
  assert.equal(runtimeFinding('runc', true, missing('/usr/sbin/runc')).status, 'fail');
  const crun = runtimeFinding('crun', false, missing('/usr/bin/crun'));
  assert.equal(crun.status, 'warn');
  assert.match(crun.fix ?? '', /runtime\.handlers\.crun\.path/);
  assert.equal(runtimeFinding('runc', true, { path: '/x', ok: false, output: '', error: 'exit 2: boom' }).status, 'fail');
  assert.equal(versionLine('*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***'), '*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***');
});

test('conmon and helpers', () => {
  assert.equal(conmonFinding(ran('/usr/bin/conmon', 'conmon version 2.1.6\ncommit: unknown')).status, 'ok');
  assert.equal(conmonFinding(missing('/usr/bin/conmon')).status, 'fail');
  const z = helperFinding('zstd', missing('zstd'), 'warn', 'zstd layers cannot be pulled', 'apt-get install zstd');
  assert.equal(z.status, 'warn');
  assert.match(z.summary, /not installed: zstd layers/);
});

test('iptables flavours, and legacy tables beside nf_tables', () => {
  const nft = iptablesFinding(ran('/usr/sbin/iptables', 'iptables v1.8.9 (nf_tables)'), undefined);
  assert.equal(nft.status, 'ok');
  assert.equal(nft.facts?.flavour, 'nf_tables');
  assert.equal(iptablesFinding(ran('/usr/sbin/iptables', 'iptables v1.8.7 (legacy)'), 'nat\nfilter\n').facts?.flavour, 'legacy');
  const mixed = iptablesFinding(ran('/usr/sbin/iptables', 'iptables v1.8.9 (nf_tables)'), 'filter\nnat\n');
  assert.equal(mixed.status, 'warn');
  assert.deepEqual(mixed.facts?.legacy_tables, ['filter', 'nat']);
  assert.equal(iptablesFinding(missing('iptables'), undefined).status, 'fail');
});

test('CNI: config and plugins with their versions; a plugin missing or too old fails', () => {
  const base = { confDir: '/etc/cni/net.d', pluginDirs: ['/usr/lib/cni', '/opt/cni/bin'], writeDefault: true, configError: undefined };
  const bridge = {
    type: 'bridge',
    path: '/usr/lib/cni/bridge',
    versionJson: '{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}',
    about: 'CNI bridge plugin version unknown\nCNI protocol versions supported: 0.1.0, 1.0.0',
  };
  const ok = cniFindings({ ...base, config: { file: '/etc/cni/net.d/10-rktlet.conflist', cniVersion: '1.0.0' }, plugins: [bridge] });
  assert.deepEqual(ok.map((f) => f.status), ['ok', 'ok']);
  assert.match(ok[1]?.summary ?? '', /version unknown; CNI 1\.0\.0/);
  const v111 = cniFindings({ ...base, config: undefined, plugins: [{ ...bridge, about: 'CNI bridge plugin v1.1.1' }] });
  assert.match(v111[0]?.summary ?? '', /writes its default/);
  assert.match(v111[1]?.summary ?? '', /v1\.1\.1/);
  const bad = cniFindings({
    ...base,
    config: { file: 'x.conflist', cniVersion: '1.1.0' },
    plugins: [bridge, { type: 'portmap', path: undefined, versionJson: '', about: '' }],
  });
  assert.deepEqual(bad.map((f) => f.status), ['ok', 'fail', 'fail']);
  assert.equal(cniFindings({ ...base, writeDefault: false, config: undefined, plugins: [] })[0]?.status, 'fail');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, defaultConfig, configToToml, mergeLayers } from './load.js';
import { parse } from 'smol-toml';
import { ConfigError } from '../errors/catalog.js';
import { tempDir } from '../util/test-temp-dir.js';
import { systemdBooted } from '../systemd/booted.js';

function tempConfig(main: string, dropIns: Record<string, string> = {}): string {
  const dir = tempDir('rktlet-config-');
  const file = join(dir, 'rktlet.toml');
  writeFileSync(file, main);
  if (Object.keys(dropIns).length) {
    mkdirSync(join(dir, 'conf.d'));
    for (const [n, t] of Object.entries(dropIns)) writeFileSync(join(dir, 'conf.d', n), t);
  }
  return file;
}

test('defaults are complete without any file', () => {
  const c = defaultConfig();
  assert.equal(c.root, '/var/lib/rktlet');
  assert.equal(c.run_root, '/run/rktlet');
  assert.equal(c.grpc.socket, '/run/rktlet/rktlet.sock');
  assert.equal(c.grpc.socket_mode, '0660');
  // `auto`: the parsed config holds the driver in effect on this host.
  assert.equal(c.runtime.cgroup_driver, systemdBooted() ? 'systemd' : 'cgroupfs');
  assert.equal(defaultConfig({ runtime: { cgroup_driver: 'auto' } }).runtime.cgroup_driver, c.runtime.cgroup_driver);
  assert.equal(defaultConfig({ runtime: { cgroup_driver: 'cgroupfs' } }).runtime.cgroup_driver, 'cgroupfs');
  assert.equal(c.runtime.default_handler, 'runc');
  assert.equal(c.runtime.handlers.runc?.root, '/run/rktlet/oci/runc');
  assert.deepEqual(c.image.insecure_registries, []);
  assert.equal(c.network.netns_dir, '/run/rktlet/netns');
});

test('derived paths follow run_root', () => {
  const c = defaultConfig({ run_root: '/tmp/x' });
  assert.equal(c.grpc.socket, '/tmp/x/rktlet.sock');
  assert.equal(c.runtime.handlers.crun?.root, '/tmp/x/oci/crun');
});

test('drop-ins apply in name order, flags last', () => {
  const file = tempConfig('[log]\nlevel = "warn"\n[runtime]\ncgroup_driver = "systemd"\n', {
    '20-b.toml': '[log]\nlevel = "debug"\n',
    '10-a.toml': '[log]\nlevel = "error"\n[image]\ninsecure_registries = ["127.0.0.1:5000"]\n',
    'ignored.txt': 'not toml',
  });
  const { config, sources } = loadConfig({ file, overrides: { root: '/tmp/r' } });
  assert.equal(config.log.level, 'debug');
  assert.equal(config.runtime.cgroup_driver, 'systemd');
  assert.deepEqual(config.image.insecure_registries, ['127.0.0.1:5000']);
  assert.equal(config.root, '/tmp/r');
  assert.equal(sources.length, 3);
  assert.match(sources[1]!, /10-a\.toml$/);
});

test('unknown keys stop loading and name the key', () => {
  const file = tempConfig('[runtime]\ncgroup_drivr = "systemd"\n');
  assert.throws(() => loadConfig({ file }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.key, 'runtime.cgroup_drivr');
    assert.match(err.message, /unknown key runtime\.cgroup_drivr/);
    return true;
  });
  assert.throws(() => loadConfig({ file: tempConfig('colour = 1\n') }), /config key "colour"/);
});

test('bad values stop loading and name the key', () => {
  assert.throws(() => loadConfig({ file: tempConfig('[runtime]\ncgroup_driver = "magic"\n') }), /config key "runtime.cgroup_driver"/);
  assert.throws(() => loadConfig({ file: tempConfig('[grpc]\nsocket_mode = "rw"\n') }), /config key "grpc.socket_mode": must be an octal/);
  assert.throws(() => loadConfig({ file: tempConfig('root = "relative"\n') }), /config key "root": must be an absolute path/);
  assert.throws(() => loadConfig({ file: tempConfig('[runtime]\ndefault_handler = "kata"\n') }), /runtime\.default_handler/);
  assert.throws(() => loadConfig({ file: tempConfig('[log\n') }), /line 1/);
});

test('a missing explicit file is an error', () => {
  assert.throws(() => loadConfig({ file: '/nonexistent/rktlet.toml' }), /cannot read config file/);
});

test('printed TOML parses back to the same config', () => {
  const c = defaultConfig({ image: { mirrors: { 'docker.io': ['http://127.0.0.1:5000'] } } });
  const back = loadConfig({ file: null, overrides: parse(configToToml(c)) as Record<string, unknown> }).config;
  assert.deepEqual(back, c);
});

test('mergeLayers replaces arrays and merges tables', () => {
  assert.deepEqual(mergeLayers({ a: { b: 1, c: [1] } }, { a: { c: [2] } }), { a: { b: 1, c: [2] } });
});

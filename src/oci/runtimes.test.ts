import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../config/load.js';
import { ConfigError, InvalidArgumentError, UnimplementedError } from '../errors/catalog.js';
import { RuntimeSet } from './runtimes.js';
import { ConmonRuntime } from './conmon-runtime/runtime.js';

// The handlers table given in a config replaces the built-in one.
const kata = { runc: { path: '/usr/sbin/runc' }, crun: { path: '/usr/bin/crun' }, kata: { type: 'vm', path: '/usr/bin/kata-runtime' } };

test('oci handlers get the conmon runtime; the empty name is the default handler', () => {
  const set = new RuntimeSet(defaultConfig({ run_root: '/run/rs' }));
  assert.ok(set.get('runc') instanceof ConmonRuntime);
  assert.equal(set.get('').name, 'runc');
  assert.equal((set.get('crun') as ConmonRuntime).command.hideUnifiedCgroup, true);
  assert.equal((set.get('crun') as ConmonRuntime).command.root, '/run/rs/oci/crun');
  assert.throws(() => set.get('nope'), (e: Error) => e instanceof InvalidArgumentError && /no runtime for "nope" is configured \(configured handlers: runc, crun\)/.test(e.message));
});

test('a vm handler is never run as an OCI runtime: refused at use, with what to do', () => {
  const set = new RuntimeSet(defaultConfig({ runtime: { handlers: kata } }));
  assert.deepEqual(set.names(), ['runc', 'crun', 'kata']);
  assert.throws(() => set.get('kata'), (e: Error) => e instanceof UnimplementedError && /"kata" has type "vm", which this rktlet does not implement yet.*type "oci"/.test(e.message));
  assert.ok(set.get('runc') instanceof ConmonRuntime, 'the other handlers still work');
});

test('a vm default handler stops start-up: nothing could run', () => {
  const config = defaultConfig({ runtime: { default_handler: 'kata', handlers: kata } });
  assert.throws(() => new RuntimeSet(config), (e: Error) => e instanceof ConfigError && /runtime\.default_handler/.test(`${(e as ConfigError).key} ${e.message}`) && /"kata" has type "vm"/.test(e.message));
});

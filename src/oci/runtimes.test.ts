import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../config/load.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { VmRuntime } from './vm-runtime/runtime.js';
import { RuntimeSet } from './runtimes.js';
import { ConmonRuntime } from './conmon-runtime/runtime.js';
import { hideUnifiedCgroup } from './unified-cgroup.js';

// The handlers table given in a config replaces the built-in one.
const kata = { runc: { path: '/usr/sbin/runc' }, crun: { path: '/usr/bin/crun' }, kata: { type: 'vm', path: '/usr/bin/kata-runtime' } };

test('oci handlers get the conmon runtime; the empty name is the default handler', () => {
  const set = new RuntimeSet(defaultConfig({ run_root: '/run/rs' }));
  assert.ok(set.get('runc') instanceof ConmonRuntime);
  assert.equal(set.get('').name, 'runc');
  // "auto" (the shipped default): the start-up decision for this host, never for runc.
  assert.equal((set.get('crun') as ConmonRuntime).command.hideUnifiedCgroup, hideUnifiedCgroup('auto', '/usr/bin/crun'));
  assert.equal((set.get('runc') as ConmonRuntime).command.hideUnifiedCgroup, false);
  assert.equal((set.get('crun') as ConmonRuntime).command.root, '/run/rs/oci/crun');
  assert.throws(() => set.get('nope'), (e: Error) => e instanceof InvalidArgumentError && /no runtime for "nope" is configured \(configured handlers: runc, crun, host\)/.test(e.message));
});

test('a vm handler gets the VM runtime (QEMU from its path), never the OCI one; it may be the default', () => {
  const set = new RuntimeSet(defaultConfig({ run_root: '/run/rs', root: '/var/lib/rs', runtime: { default_handler: 'kata', handlers: kata } }));
  assert.deepEqual(set.names(), ['runc', 'crun', 'kata']);
  const vm = set.get('kata');
  assert.ok(vm instanceof VmRuntime);
  assert.equal(set.get('').name, 'kata');
  assert.equal((vm as VmRuntime).opts.qemu, '/usr/bin/kata-runtime');
  assert.equal((vm as VmRuntime).opts.vmRoot, '/run/rs/vm');
  assert.equal((vm as VmRuntime).opts.exitDir, '/run/rs/exits', 'the container part reads exits there');
  assert.ok(set.get('runc') instanceof ConmonRuntime, 'the other handlers still work');
});

test('a host handler is the conmon runtime with its own state root; forced wrapper settings are kept', () => {
  const set = new RuntimeSet(defaultConfig({ run_root: '/run/rs', runtime: { handlers: { runc: { path: '/usr/sbin/runc' }, host: { type: 'host', path: '/usr/sbin/runc' }, c2: { path: '/usr/bin/crun', hide_unified_cgroup: false } } } }));
  const host = set.get('host') as ConmonRuntime;
  assert.ok(host instanceof ConmonRuntime);
  assert.equal(host.command.path, '/usr/sbin/runc');
  assert.equal(host.command.root, '/run/rs/oci/host');
  assert.equal((set.get('c2') as ConmonRuntime).command.hideUnifiedCgroup, false);
});

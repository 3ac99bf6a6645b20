import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handlerRoot } from './handler-root.js';
import { defaultConfig } from '../config/load.js';
import { RuntimeSet } from './runtimes.js';
import type { ConmonRuntime } from './conmon-runtime/runtime.js';

test('a handler keeps its state in its own root, else under <run_root>/oci/<name>', () => {
  assert.equal(handlerRoot('/run/x', 'runc', { root: '' }), '/run/x/oci/runc');
  assert.equal(handlerRoot('/run/x', 'crun', { root: '/var/run/crun-state' }), '/var/run/crun-state');
});

test('config loading and the runtimes registry agree on every handler\'s root', () => {
  // The handlers table given in a config replaces the built-in one.
  const handlers = { runc: { path: '/usr/sbin/runc' }, crun: { path: '/usr/bin/crun' }, mine: { path: '/usr/sbin/runc', root: '/srv/mine' } };
  const c = defaultConfig({ run_root: '/run/hr', runtime: { handlers } });
  assert.equal(c.runtime.handlers.runc!.root, '/run/hr/oci/runc');
  assert.equal(c.runtime.handlers.mine!.root, '/srv/mine');
  const set = new RuntimeSet(c);
  const root = (h: string) => (set.get(h) as ConmonRuntime).command.root;
  assert.equal(root('runc'), '/run/hr/oci/runc');
  assert.equal(root('crun'), '/run/hr/oci/crun');
  assert.equal(root('mine'), '/srv/mine');
});

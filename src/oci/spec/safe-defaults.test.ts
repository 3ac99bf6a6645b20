// The safe defaults of runtime.*: each on by default and turned off by its key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../config/schema.js';
import { baseSpec } from './defaults.js';
import { effectiveNoNewPrivs, withDefaultMaskedPaths, withMaskedPaths } from './security.js';
import { applyOpts } from './types.js';

test('no_new_privs is the default, explicit to turn off, and left off where the pod needs escalation', () => {
  assert.equal(configSchema.parse({}).runtime.no_new_privileges, true);
  assert.equal(effectiveNoNewPrivs(false, true, false, ['CAP_CHOWN']), true, 'default container');
  assert.equal(effectiveNoNewPrivs(false, true, true, []), false, 'privileged');
  assert.equal(effectiveNoNewPrivs(false, true, false, ['CAP_SYS_ADMIN']), false, 'CAP_SYS_ADMIN');
  assert.equal(effectiveNoNewPrivs(false, false, false, ['CAP_CHOWN']), false, 'runtime.no_new_privileges = false: the CRI meaning');
  assert.equal(effectiveNoNewPrivs(true, false, false, []), true, 'asked for');
});

test('masked and read-only paths: moby\'s lists by default, [] in the config turns them off, a request\'s lists win', () => {
  const { masked_paths, readonly_paths } = configSchema.parse({}).runtime;
  assert.ok(masked_paths.includes('/proc/interrupts') && masked_paths.includes('/proc/kcore'));
  assert.deepEqual(readonly_paths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  const spec = (cfgMasked: string[], cfgRo: string[], reqMasked: string[], reqRo: string[]) =>
    applyOpts(baseSpec('/r'), [withDefaultMaskedPaths(cfgMasked, cfgRo), withMaskedPaths(reqMasked, reqRo)]).linux;
  const off = spec([], [], [], []);
  assert.deepEqual([off.maskedPaths, off.readonlyPaths], [[], []]);
  const req = spec(masked_paths, readonly_paths, ['/proc/x'], []);
  assert.deepEqual([req.maskedPaths, req.readonlyPaths], [['/proc/x'], readonly_paths]);
  assert.throws(() => configSchema.parse({ runtime: { masked_paths: ['proc/kcore'] } }), /absolute/);
});

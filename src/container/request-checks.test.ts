import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import { checkArgv, checkContainerConfig } from './request-checks.js';

function cfg(over: Record<string, unknown> = {}): ContainerConfig__Output {
  return {
    metadata: { name: 'c', attempt: 0 },
    command: [],
    args: [],
    working_dir: '',
    mounts: [],
    devices: [],
    log_path: 'c/0.log',
    stop_signal: 'RUNTIME_DEFAULT',
    linux: null,
    ...over,
  } as unknown as ContainerConfig__Output;
}

test('hostile container configs are refused with INVALID_ARGUMENT; plain ones pass', () => {
  const base = mkdtempSync(join(tmpdir(), 'rktlet-checks-'));
  try {
    const root = join(base, 'root');
    mkdirSync(join(root, 'pods'), { recursive: true });
    symlinkSync(join(root, 'pods'), join(base, 'link'));
    const roots = [root, join(base, 'run')];
    const bad = (over: Record<string, unknown>) => assert.throws(() => checkContainerConfig(cfg(over), roots), { code: 'INVALID_ARGUMENT' }, JSON.stringify(over).slice(0, 200));
    const mount = (host_path: string, container_path = '/x') => ({ mounts: [{ host_path, container_path, readonly: false, propagation: 'PROPAGATION_PRIVATE' }] });
    bad({ metadata: { name: '../x', attempt: 0 } });
    bad({ metadata: { name: '..', attempt: 0 } });
    bad({ metadata: { name: 'a\0b', attempt: 0 } });
    bad({ log_path: 'a\nb.log' });
    bad({ working_dir: 'rel' });
    bad({ command: ['a\0b'] });
    bad({ args: ['x'.repeat(200_000)] });
    bad(mount(root));
    bad(mount(join(root, 'pods', 'x')));
    bad(mount(join(base, 'link')), /* a symlink into the state root */);
    bad(mount('/tmp/../etc'));
    bad(mount('rel'));
    bad(mount('/tmp', '/proc'));
    bad(mount('/tmp', '/proc/sys'));
    bad(mount('/tmp', 'rel'));
    bad({ devices: [{ host_path: '/dev/null', container_path: '/dev/x', permissions: 'rwx' }] });
    bad({ stop_signal: 99 });
    bad({ linux: { security_context: { masked_paths: ['rel'], readonly_paths: [], supplemental_groups: [] } } });
    bad({ linux: { security_context: { masked_paths: [], readonly_paths: [], supplemental_groups: ['-1'] } } });
    checkContainerConfig(cfg({ ...mount('/tmp', '/data'), working_dir: '/w', command: ['sh'], args: ['-c', 'true'] }), roots);
    checkContainerConfig(cfg(mount('/', '/host')), roots); // the node's root, as node agents mount it
    assert.doesNotThrow(() => checkArgv(['x'.repeat(100_000)], 'cmd'));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

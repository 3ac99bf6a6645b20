import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { monitorScopeArgv, monitorScopeName } from './monitor-scope.js';
import { isUnitName } from './unit-names.js';

const POD = 'a'.repeat(64);
const CTR = 'b'.repeat(64);

test('monitor scopes are named after the pod and are valid unit names', () => {
  const name = monitorScopeName({ podId: POD, containerId: CTR });
  assert.equal(name, `rktlet-pod-${POD}-conmon-${CTR}.scope`);
  assert.ok(isUnitName(name, '.scope'), name);
  // An id systemd would not take as it is gets escaped, never passed through.
  assert.equal(monitorScopeName({ podId: 'p/1', containerId: 'c-1' }), 'rktlet-pod-p-1-conmon-c\\x2d1.scope');
});

test('the systemd-run command line (golden)', () => {
  assert.deepEqual(monitorScopeArgv({ podId: 'p1', containerId: 'c1' }, ['/usr/bin/conmon', '-c', 'c1']), [
    'systemd-run', '--scope', '--quiet', '--collect', '--unit=rktlet-pod-p1-conmon-c1.scope', '--slice=system.slice',
    '--property=DefaultDependencies=no', '--description=rktlet monitor of container c1 in pod p1',
    '/usr/bin/conmon', '-c', 'c1',
  ]);
});

// systemd-run is installed here though systemd is not PID 1: it parses every option for real
// before it finds no bus (it does not check unit names that early). Where systemd runs this would
// start a scope, so it is skipped there.
test('systemd-run accepts every option of this command line (up to the missing bus)', { skip: !systemdRunWithoutSystemd() }, () => {
  const argv = monitorScopeArgv({ podId: POD, containerId: CTR }, ['/bin/true']);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.stderr, /unrecognized option|invalid option|Failed to parse/i, r.stderr);
  assert.match(r.stderr, /bus/i, r.stderr);
  // The control: a misspelt option is caught at the same stage.
  const bad = spawnSync(argv[0]!, ['--colect', ...argv.slice(1)], { encoding: 'utf8', timeout: 60_000 });
  assert.match(bad.stderr, /unrecognized option/, bad.stderr);
});

function systemdRunWithoutSystemd(): boolean {
  return !existsSync('/run/systemd/system') && spawnSync('systemd-run', ['--version']).status === 0;
}

// Runs the python helpers' own unit tests (src/helpers/test_*.py, python3 -m unittest) as part of
// the unit test step, on the copies the daemon runs (the build puts them beside this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { HELPERS_DIR } from './programs.js';
import { PYTHON } from '../oci/conmon-runtime/pty-relay.js';

test('the python helpers pass their unit tests (python3 -m unittest)', () => {
  const suites = readdirSync(HELPERS_DIR).filter((f) => /^test_.*\.py$/.test(f));
  assert.ok(suites.length >= 3, `the build copied the helpers' tests into ${HELPERS_DIR}: ${suites.join(', ')}`);
  const r = spawnSync(PYTHON, ['-B', '-m', 'unittest', 'discover', '-v', '-s', HELPERS_DIR, '-p', 'test_*.py'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `python3 -m unittest failed:\n${r.stderr}${r.stdout}`);
  assert.match(r.stderr, /^OK/m);
});

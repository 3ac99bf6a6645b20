import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJson, formatText } from './format.js';
import type { Finding } from './finding.js';

test('text says each finding and the fix of what is not ok; JSON carries healthy', () => {
  const f: Finding[] = [
    { check: 'kernel.overlayfs', status: 'ok', summary: 'overlayfs is available' },
    { check: 'tools.conmon', status: 'fail', summary: 'conmon is not installed', fix: 'apt-get install conmon' },
  ];
  const text = formatText(f);
  assert.match(text, /^ok {4}kernel\.overlayfs: overlayfs is available$/m);
  assert.match(text, /^FAIL {2}tools\.conmon: conmon is not installed\n {6}→ apt-get install conmon$/m);
  assert.match(text, /NOT healthy: 1 ok, 0 info, 0 warnings, 1 failures/);
  const j = JSON.parse(formatJson(f, 12)) as { healthy: boolean; findings: Finding[] };
  assert.equal(j.healthy, false);
  assert.equal(j.findings.length, 2);
  assert.equal((JSON.parse(formatJson(f.slice(0, 1), 1)) as { healthy: boolean }).healthy, true);
});

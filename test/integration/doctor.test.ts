// `rktlet doctor` on this machine: its findings must be what the machine is (read here
// independently), its exit status must follow them, it must be quick and leave nothing behind;
// and a configuration the host cannot serve (the default handler's binary missing) must fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/daemon.js';
import { tempDir } from '../../src/util/test-temp-dir.js';

interface Report {
  healthy: boolean;
  elapsed_ms: number;
  findings: { check: string; status: string; summary: string; fix?: string; facts?: Record<string, unknown> }[];
}

const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined);

function machineCgroupLayout(): string {
  const types = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => [l.split(' ')[4], l.split(' - ')[1]?.split(' ')[0]]);
  if (types.some(([p, t]) => p === '/sys/fs/cgroup' && t === 'cgroup2')) return 'v2';
  const v1 = types.some(([, t]) => t === 'cgroup');
  return v1 && types.some(([, t]) => t === 'cgroup2') ? 'hybrid' : v1 ? 'v1' : 'none';
}

test('rktlet doctor --json describes this machine, quickly, and exits 0 exactly when healthy', async () => {
  const dir = tempDir('rktlet-doctor-');
  const r = await runCli(['--root', join(dir, 'root'), '--run-root', join(dir, 'run'), 'doctor', '--json']);
  const report = JSON.parse(r.stdout) as Report;
  const by = (check: string) => {
    const f = report.findings.find((x) => x.check === check);
    assert.ok(f, `no finding ${check} in ${r.stdout}`);
    return f;
  };
  assert.equal(report.healthy, !report.findings.some((f) => f.status === 'fail'));
  assert.equal(r.code, report.healthy ? 0 : 1, r.stderr);

  assert.equal(by('kernel.version').facts?.release, release());
  assert.equal(by('kernel.overlayfs').status, /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')) ? 'ok' : 'fail');
  // This machine: cgroup v1 hybrid, neither AppArmor nor SELinux, runc installed.
  assert.equal(by('cgroups.layout').facts?.layout, machineCgroupLayout());
  assert.equal(by('lsm.apparmor').status, read('/sys/module/apparmor/parameters/enabled') === 'Y' ? 'ok' : 'info');
  assert.equal(by('lsm.selinux').status, existsSync('/sys/fs/selinux/enforce') ? 'warn' : 'info');
  const runcVersion = execFileSync('/usr/sbin/runc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  assert.equal(by('runtime.runc').status, 'ok');
  assert.equal(by('runtime.runc').facts?.version, runcVersion);
  // runc 1.1.x makes no idmapped mounts; 1.2+ does.
  assert.equal(by('runtime.runc.idmapped_mounts').status, /version 1\.[01]\./.test(runcVersion ?? '') ? 'warn' : 'ok');
  const iptables = execFileSync('iptables', ['--version'], { encoding: 'utf8' });
  assert.equal(by('tools.iptables').facts?.flavour, iptables.includes('(nf_tables)') ? 'nf_tables' : 'legacy');
  assert.equal(by('disk.root').facts?.path, join(dir, 'root'));

  assert.ok(report.elapsed_ms < 2000, `checks took ${report.elapsed_ms} ms`);
  // The idmap probe ran in the nearest existing parent of the (absent) root and left nothing.
  assert.deepEqual(readdirSync(dir), []);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes('rktlet-doctor-idmap'));
});

test('rktlet doctor fails, saying what to do, when the default handler cannot run; it reads the config file', async () => {
  const dir = tempDir('rktlet-doctor-');
  const config = join(dir, 'rktlet.toml');
  writeFileSync(config, `[runtime]\nno_new_privileges = false\n[runtime.handlers.runc]\npath = "${join(dir, 'no-such-runc')}"\n`);
  const r = await runCli(['--config', config, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), 'doctor']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^FAIL {2}runtime\\.runc: handler runc: ${join(dir, 'no-such-runc')} is not installed`, 'm'));
  assert.match(r.stdout, /^ {6}→ install it .*runtime\.handlers\.runc\.path$/m);
  // A security default the config turns off is said, as a warning.
  assert.match(r.stdout, /^WARN {2}config\.runtime\.no_new_privileges: /m);
  assert.match(r.stdout, /^NOT healthy: /m);
});

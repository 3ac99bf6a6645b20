import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conmonArgs, conmonCommand, parseSyncMessage } from './conmon-launch.js';

const base = {
  conmon: '/usr/bin/conmon',
  runtimePath: '/usr/sbin/runc',
  runtimeArgs: ['--root=/run/rktlet/runc'],
  id: 'c1',
  bundle: '/b',
  logPath: '/logs/c1.log',
  exitDir: '/run/exits',
  socketDir: '/run/sock',
  conmonPidFile: '/b/conmon.pid',
  containerPidFile: '/b/pidfile',
  terminal: false,
  stdin: true,
  stdinOnce: false,
  systemdCgroup: false,
  podId: 'p1',
};

test('conmon command line', () => {
  const a = conmonArgs(base);
  const after = (flag: string) => a[a.indexOf(flag) + 1];
  assert.equal(after('-c'), 'c1');
  assert.equal(after('-r'), '/usr/sbin/runc');
  assert.equal(after('-l'), 'k8s-file:/logs/c1.log');
  assert.equal(after('--runtime-arg'), '--root=/run/rktlet/runc');
  assert.equal(after('--exit-dir'), '/run/exits');
  assert.ok(a.includes('-i') && a.includes('--leave-stdin-open') && !a.includes('-t') && !a.includes('--sync'));
  const infra = conmonArgs({ ...base, logPath: '', stdin: false, terminal: true, systemdCgroup: true });
  assert.equal(infra[infra.indexOf('-l') + 1], 'none:');
  assert.ok(infra.includes('-t') && infra.includes('-s') && !infra.includes('-i'));
});

test('sync pipe messages', () => {
  assert.deepEqual(parseSyncMessage('{"data": 4242}'), { data: 4242 });
  assert.deepEqual(parseSyncMessage('{"data": -1, "message": "runc create failed"}'), { data: -1, message: 'runc create failed' });
  assert.equal(parseSyncMessage('nope'), undefined);
});

test('with the systemd driver, conmon runs in a transient scope named after its pod (golden argv)', () => {
  assert.deepEqual(conmonCommand(base), { cmd: '/usr/bin/conmon', args: conmonArgs(base) });
  const sd = { ...base, systemdCgroup: true };
  const c = conmonCommand(sd);
  assert.equal(c.cmd, 'systemd-run');
  assert.deepEqual(c.args.slice(0, c.args.indexOf('/usr/bin/conmon')), [
    '--scope',
    '--quiet',
    '--collect',
    '--unit=rktlet-pod-p1-conmon-c1.scope',
    '--slice=system.slice',
    '--property=DefaultDependencies=no',
    '--description=rktlet monitor of container c1 in pod p1',
  ]);
  assert.deepEqual(c.args.slice(c.args.indexOf('/usr/bin/conmon') + 1), conmonArgs(sd));
});

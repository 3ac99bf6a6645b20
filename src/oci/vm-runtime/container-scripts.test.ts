import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { baseSpec } from '../spec/defaults.js';
import { carriedMounts, execScript, innerScript, shq } from './container-scripts.js';

test('shq: any string survives the shell as one word', () => {
  for (const s of ["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '', 'new\nline', "'", '\\']) {
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shq(s)}`], { encoding: 'utf8' }), s);
  }
});

function spec() {
  const s = baseSpec('/host/rootfs');
  s.process.args = ['sh', '-c', "echo 'hi there'"];
  s.process.env = ['PATH=/bin', 'A=b c'];
  s.process.cwd = '/work dir';
  s.hostname = 'pod1';
  s.mounts.push(
    { destination: '/etc/hosts', type: 'bind', source: '/pods/p/hosts', options: ['rbind', 'ro'] },
    { destination: '/data', type: 'bind', source: '/vol', options: ['rbind'] },
    { destination: '/dev/shm', type: 'bind', source: '/pods/p/shm', options: ['rbind'] },
    { destination: '/dev/termination-log', type: 'bind', source: '/x', options: ['rbind'] },
  );
  return s;
}

test('bind mounts travel to the guest, but not those under /dev, /proc, /sys (the guest has its own)', () => {
  assert.deepEqual(carriedMounts(spec()), [
    { index: 0, source: '/pods/p/hosts', destination: '/etc/hosts', readonly: true },
    { index: 1, source: '/vol', destination: '/data', readonly: false },
  ]);
});

test('inner.sh: its own cgroup with the limits, proc of its PID namespace, the mounts, then nsenter into the root as the user', () => {
  const s = spec();
  s.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 } };
  s.process.user = { uid: 1000, gid: 100 };
  const t = innerScript(s, 'c1', '/share/c/c1', carriedMounts(s));
  assert.match(t, /echo 0 > \/sys\/fs\/cgroup\/c1\/cgroup\.procs/);
  assert.match(t, /echo 67108864 > \/sys\/fs\/cgroup\/c1\/memory\.max/);
  assert.match(t, /echo 20 > \/sys\/fs\/cgroup\/c1\/pids\.max/);
  assert.match(t, /mount -t proc .* proc "\$R\/proc"/);
  assert.match(t, /mount --bind '\/share\/c\/c1\/m\/0' "\$R"'\/etc\/hosts' && mount -o remount,bind,ro/);
  assert.match(t, /hostname 'pod1'/);
  assert.match(t, /^: > '\/share\/c\/c1\/started'$/m);
  assert.ok(t.indexOf('/started') > t.lastIndexOf('mount '), 'started once every mount is made');
  const last = t.trim().split('\n').pop()!;
  assert.equal(last, `exec /bin/env -i 'PATH=/bin' 'A=b c' /bin/nsenter -r"$R" -w"$R"'/work dir' -S 1000 -G 100 -- 'sh' '-c' 'echo '\\''hi there'\\'''`);
  execFileSync('sh', ['-n', '-c', t]); // valid shell
});

test('an exec joins the container\'s namespaces, root and working directory through its recorded pid', () => {
  const t = execScript(spec(), '/share/c/c1/pid', ['cat', '/etc/hosts']);
  assert.match(t, /^P=\$\(cat '\/share\/c\/c1\/pid'\)$/m);
  assert.match(t, /nsenter -t "\$P" -m -u -i -p -r -w -- 'cat' '\/etc\/hosts'$/m);
  execFileSync('sh', ['-n', '-c', t]);
});

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pinnedPaths, sysctlArgs, unshareArgs } from './pinned-namespaces.js';

test('paths: one file per namespace the pod owns', () => {
  assert.deepEqual(pinnedPaths('/run/x/ns', 'abc', { ipc: true, hostname: 'web' }), { ipc: '/run/x/ns/abc-ipc', uts: '/run/x/ns/abc-uts' });
  assert.deepEqual(pinnedPaths('/run/x/ns', 'abc', { ipc: false, hostname: 'web' }), { ipc: '', uts: '/run/x/ns/abc-uts' });
  assert.deepEqual(pinnedPaths('/run/x/ns', 'abc', { ipc: true }), { ipc: '/run/x/ns/abc-ipc', uts: '' });
  const userns = { uids: [{ container_id: 0, host_id: 65536, length: 65536 }], gids: [{ container_id: 0, host_id: 65536, length: 65536 }] };
  assert.deepEqual(pinnedPaths('/run/x/ns', 'abc', { ipc: true, hostname: 'web', userns }), { ipc: '/run/x/ns/abc-ipc', uts: '/run/x/ns/abc-uts', user: '/run/x/ns/abc-user' });
});

test('unshare: sets the hostname inside a new UTS namespace, else runs true', () => {
  assert.deepEqual(unshareArgs({ ipc: '/n/a-ipc', uts: '/n/a-uts' }, 'web-1'), ['--ipc=/n/a-ipc', '--uts=/n/a-uts', '--', 'hostname', 'web-1']);
  assert.deepEqual(unshareArgs({ ipc: '/n/a-ipc', uts: '' }, 'web-1'), ['--ipc=/n/a-ipc', '--', 'true']);
});

test('sysctls: written under /proc/sys inside the pod namespaces, values kept whole', () => {
  const args = sysctlArgs('/n/pod-a', '/p/a-ipc', { 'net.ipv4.ping_group_range': '0 0', 'kernel.shm_rmid_forced': '1' });
  assert.deepEqual(args.slice(0, 4), ['--net=/n/pod-a', '--ipc=/p/a-ipc', '--', 'sh']);
  assert.deepEqual(args.slice(7), ['net/ipv4/ping_group_range', '0 0', 'kernel/shm_rmid_forced', '1']);
  // The script itself, run against a scratch dir instead of /proc/sys.
  const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  execFileSync('mkdir', ['-p', `${dir}/net/ipv4`, `${dir}/kernel`]);
  const script = args[5]!.replace('/proc/sys/', `${dir}/`);
  execFileSync('sh', ['-c', script, 'sysctl', ...args.slice(7)]);
  assert.equal(execFileSync('cat', [`${dir}/net/ipv4/ping_group_range`], { encoding: 'utf8' }), '0 0\n');
  assert.throws(() => execFileSync('sh', ['-c', script, 'sysctl', 'no/such/dir/x', '1'], { stdio: 'ignore' }));
  execFileSync('rm', ['-rf', dir]);
});

test('the files a pod may have pinned are known from its id alone, and each is unmounted once', async () => {
  const { possiblePinnedPaths, pinnedFileOwner, pinnedTargets } = await import('./pinned-namespaces.js');
  const id = 'a'.repeat(64);
  const all = possiblePinnedPaths('/run/x/ns', id);
  // The user namespace too: a crash before the record names it must not leave it pinned.
  assert.deepEqual(all, { ipc: `/run/x/ns/${id}-ipc`, uts: `/run/x/ns/${id}-uts`, user: `/run/x/ns/${id}-user` });
  assert.equal(pinnedFileOwner(`${id}-uts`), id);
  assert.equal(pinnedFileOwner(`${id}-user`), id);
  assert.equal(pinnedFileOwner(`${id}-net`), undefined);
  assert.equal(pinnedFileOwner('abc-ipc'), undefined);
  const recorded = { ipc: `/run/x/ns/${id}-ipc`, uts: '' };
  assert.deepEqual(pinnedTargets(all, recorded).map((t) => t.path), [all.ipc, all.uts, all.user]);
});

// What a container is allowed and sees: user and groups from the image, setuid bits, capabilities,
// seccomp, masked/read-only paths, read-only rootfs, privileged mode, devices, mount propagation
// (rshared seen on the host, rslave seen in the container), env/workdir merge, PID modes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync as rf } from 'node:fs';
import { containerEnv, createContainer, grpcError, runPod, status, waitExited, type ContainerEnv } from '../helpers/container-env.js';
import { buildLayer } from '../fixtures/tar-layer.js';
import { BUSYBOX, GROUP, PASSWD } from '../fixtures/busybox.js';

let env: ContainerEnv;
let podId: string;
/** The kubelet marks a pod privileged when any of its containers is (sysfs is per network namespace). */
let privPodId: string;
/** A pod sharing one PID namespace (shareProcessNamespace): its infra is pid 1 for every container. */
let sharedPidPodId: string;
const hostDirs: string[] = [];
before(async () => {
  const suid = await buildLayer([{ name: 'usr/bin/suidbox', content: rf(BUSYBOX), mode: 0o4755 }]);
  // Images whose user files point out of the image (a non-directory etc in an upper layer hides
  // busybox's etc/), and one whose own symlinks lead to its files elsewhere in the image.
  const etcLink = await buildLayer([{ name: 'etc', type: 'symlink', linkname: '/etc' }]);
  const passwdLink = await buildLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', type: 'symlink', linkname: '../../../../etc/passwd' },
    { name: 'etc/group', type: 'symlink', linkname: '../../../../etc/group' },
  ]);
  const ownLink = await buildLayer([
    { name: 'usr/', type: 'directory' },
    { name: 'usr/lib/', type: 'directory' },
    { name: 'usr/lib/passwd', content: PASSWD + 'imgonly:x:4321:4322::/:/bin/sh\n' },
    { name: 'usr/lib/group', content: GROUP + 'imgonly:x:4322:\n' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', type: 'symlink', linkname: '/usr/lib/passwd' },
    { name: 'etc/group', type: 'symlink', linkname: '../usr/lib/group' },
  ]);
  env = await containerEnv({
    images: {
      'library/alice:latest': { config: { User: 'alice', Env: ['PATH=/bin', 'FROM_IMAGE=1', 'OVER=image'], WorkingDir: '/home/alice' } },
      'library/suid:latest': { layers: [suid] },
      'library/etclink:latest': { layers: [etcLink] },
      'library/passwdlink:latest': { layers: [passwdLink] },
      'library/ownlink:latest': { layers: [ownLink] },
    },
  });
  podId = (await runPod(env)).id;
  sharedPidPodId = (await runPod(env, { linux: { security_context: { namespace_options: { pid: 'POD' } } } })).id;
  // Privileged containers need a privileged pod (as containerd, the runtime refuses them elsewhere).
  privPodId = (await runPod(env, { linux: { security_context: { privileged: true } } })).id;
});
after(async () => {
  for (const d of hostDirs.reverse()) {
    // Undo mounts our tests (and the propagation set-up) made under the temp dirs.
    for (let i = 0; i < 4; i++) spawnSync('umount', ['-R', '-l', d]);
    rmSync(d, { recursive: true, force: true });
  }
  await env?.close();
});

function hostDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rktlet-ctr-mnt-'));
  hostDirs.push(d);
  return d;
}

/** Runs `sh -c script` in a new container to completion; returns its stdout lines (log) and exit code. */
function podFor(config: Record<string, unknown>): string {
  const sc = (config.linux as { security_context?: { privileged?: boolean; namespace_options?: { pid?: string } } } | undefined)?.security_context;
  if (sc?.namespace_options?.pid === 'POD') return sharedPidPodId;
  return sc?.privileged ? privPodId : podId;
}

async function run(config: Record<string, unknown>, script: string, image?: string): Promise<{ out: string; code: number }> {
  const c = await createContainer(env, podFor(config), { command: ['sh', '-c', script], ...config }, image);
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const s = await waitExited(env, c.id);
  const out = readFileSync(s.log_path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(3).join(' '))
    .join('\n');
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  return { out, code: s.exit_code };
}

async function running(config: Record<string, unknown>, image?: string): Promise<string> {
  const c = await createContainer(env, podFor(config), { command: ['sleep', '3600'], ...config }, image);
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  return c.id;
}

async function exec(id: string, script: string): Promise<{ out: string; err: string; code: number }> {
  const r = await env.d.client.runtime('ExecSync', { container_id: id, cmd: ['sh', '-c', script], timeout: '20' });
  return { out: Buffer.from(r.stdout).toString(), err: Buffer.from(r.stderr).toString(), code: r.exit_code };
}

const statusField = (out: string, key: string): string => new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(out)?.[1] ?? '';

test("the image's user with the groups its /etc/group gives, plus supplemental groups; env and workdir", async () => {
  const alice = `${env.reg.host}/library/alice:latest`;
  const r = await run({ envs: [{ key: 'OVER', value: Buffer.from('cri') }], linux: { security_context: { supplemental_groups: ['5000'] } } }, 'id; pwd; echo $FROM_IMAGE $OVER', alice);
  assert.equal(r.code, 0, r.out);
  const [id, pwd, env1] = r.out.split('\n');
  assert.equal(id, 'uid=1000(alice) gid=1000(alice) groups=10(wheel),100(users),1000(alice),5000');
  assert.equal(pwd, '/home/alice');
  assert.equal(env1, '1 cri');

  const other = await run({ linux: { security_context: { run_as_user: { value: '65534' }, run_as_group: { value: '100' } } } }, 'id -u; id -g', alice);
  assert.equal(other.out, '65534\n100');
  const byName = await run({ linux: { security_context: { run_as_username: 'alice' } } }, 'id -un');
  assert.equal(byName.out, 'alice');
  const st = await createContainer(env, podId, { command: ['true'] }, alice);
  assert.deepEqual((await status(env, st.id)).status?.user?.linux, { uid: '1000', gid: '1000', supplemental_groups: ['1000', '10', '100'] });
});

test('run_as_group without a user is refused with INVALID_ARGUMENT, before anything is made', async () => {
  const before = (await env.d.client.runtime('ListContainers', {})).containers.length;
  const err = await grpcError(createContainer(env, podId, { command: ['true'], linux: { security_context: { run_as_group: { value: '100' } } } }));
  assert.equal(err?.code, 3, 'INVALID_ARGUMENT');
  assert.match(err!.details, /run_as_group 100 is set without run_as_user/);
  assert.equal((await env.d.client.runtime('ListContainers', {})).containers.length, before);
  // With a user by name, the group applies.
  const named = await run({ linux: { security_context: { run_as_username: 'nobody', run_as_group: { value: '100' } } } }, 'id -g');
  assert.equal(named.out, '100');
});

test("user lookups never leave the image: etc -> /etc and passwd -> ../../../../etc/passwd do not read the host's files", async () => {
  const imageUsers = PASSWD.split('\n').map((l) => l.split(':')[0]);
  const hostOnly = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':')[0] ?? '')
    .find((n) => n && !imageUsers.includes(n));
  assert.ok(hostOnly, 'a user the host has and the image has not');
  for (const img of ['etclink', 'passwdlink']) {
    const err = await grpcError(
      createContainer(env, podId, { command: ['true'], linux: { security_context: { run_as_username: hostOnly } } }, `${env.reg.host}/library/${img}:latest`),
    );
    assert.equal(err?.code, 3, `${img}: ${err?.details ?? 'created'}`);
    assert.match(err.details, new RegExp(`user "${hostOnly}" not found in the image's /etc/passwd`), img);
  }
  // The image's own symlinks (absolute and relative) are followed inside it.
  const own = await run({ linux: { security_context: { run_as_username: 'imgonly' } } }, 'id -u; id -g', `${env.reg.host}/library/ownlink:latest`);
  assert.equal(own.out, '4321\n4322');
});

test('a setuid binary keeps its bit; the rootfs is not nosuid', async () => {
  const r = await run({}, 'stat -c %a /usr/bin/suidbox; grep " / " /proc/mounts', `${env.reg.host}/library/suid:latest`);
  const [mode, rootMount] = r.out.split('\n');
  assert.equal(mode, '4755');
  assert.match(rootMount!, /^overlay \/ overlay /);
  assert.doesNotMatch(rootMount!, /nosuid/);
});

test('capabilities: defaults, drop ALL, add; seccomp default/unconfined; masked and read-only paths', async () => {
  const def = await run({}, 'cat /proc/self/status');
  // containerd's default set: 0xa80425fb (14 capabilities).
  assert.equal(statusField(def.out, 'CapEff'), '00000000a80425fb');
  assert.equal(statusField(def.out, 'CapBnd'), '00000000a80425fb');
  assert.equal(statusField(def.out, 'Seccomp'), '2', 'RuntimeDefault unless asked otherwise');
  assert.equal(statusField(def.out, 'NoNewPrivs'), '1', 'runtime.no_new_privileges: on unless the container needs escalation');

  const sc = (security_context: Record<string, unknown>) => ({ linux: { security_context } });
  const none = await run(sc({ capabilities: { drop_capabilities: ['ALL'], add_capabilities: ['NET_ADMIN'] }, no_new_privs: true }), 'cat /proc/self/status');
  assert.equal(statusField(none.out, 'CapEff'), '0000000000001000');
  assert.equal(statusField(none.out, 'NoNewPrivs'), '1');

  const unconf = await run(sc({ seccomp: { profile_type: 'Unconfined' } }), 'grep Seccomp: /proc/self/status');
  assert.equal(statusField(unconf.out, 'Seccomp'), '0');

  // The default profile refuses what needs CAP_SYS_ADMIN (unshare of namespaces) with EPERM.
  const blocked = await run({}, 'unshare -U true 2>&1; echo rc=$?');
  assert.match(blocked.out, /Operation not permitted[\s\S]*rc=1/);

  const paths = await run({}, 'wc -c < /proc/timer_list; (echo 1 > /proc/sys/kernel/ns_last_pid) 2>/dev/null; echo rc=$?');
  assert.equal(paths.out, '0\nrc=1');
  // CRI lists replace the defaults.
  const custom = await run(sc({ masked_paths: ['/etc/hostname'], readonly_paths: ['/tmp'] }), 'wc -c < /etc/hostname; touch /tmp/x 2>/dev/null; echo rc=$?');
  assert.equal(custom.out, '0\nrc=1');
});

test('an AppArmor profile on a host without AppArmor is refused, not ignored', async (t) => {
  let enabled = false;
  try {
    enabled = readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    /* no AppArmor module */
  }
  if (enabled) return t.skip('AppArmor is enabled on this host');
  const err = await createContainer(env, podId, { command: ['true'], linux: { security_context: { apparmor: { profile_type: 'Localhost', localhost_ref: 'k8s-strict' } } } }).catch(
    (e: { code: number; details: string }) => e,
  );
  assert.equal((err as { code: number }).code, 3, 'INVALID_ARGUMENT');
  assert.match((err as { details: string }).details, /AppArmor is not enabled/);
});

test('read-only rootfs; privileged: all capabilities, writable /sys, host devices, no seccomp', async () => {
  const ro = await run({ linux: { security_context: { readonly_rootfs: true } } }, 'touch /x 2>/dev/null; echo rc=$?; touch /dev/shm/ok && echo shm-ok');
  assert.equal(ro.out, 'rc=1\nshm-ok');
  const p = await run({ linux: { security_context: { privileged: true } } }, 'grep -E "CapEff|Seccomp:" /proc/self/status; grep " /sys " /proc/mounts; ls /dev/ | grep -c .');
  // Every capability the daemon holds (this host's root lacks CAP_SYS_RESOURCE).
  assert.equal(statusField(p.out, 'CapEff'), /^CapBnd:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
  assert.equal(statusField(p.out, 'Seccomp'), '0');
  assert.match(p.out, /sysfs \/sys sysfs rw/);
  assert.ok(Number(p.out.split('\n').at(-1)) > 10, 'host devices');
});

test('a privileged container in a pod that is not privileged is refused (INVALID_ARGUMENT), nothing created', async () => {
  const before = (await env.d.client.runtime('ListContainers', {})).containers.length;
  const err = await grpcError(createContainer(env, podId, { name: 'priv-in-plain', command: ['true'], linux: { security_context: { privileged: true } } }));
  assert.equal(err?.code, 3, `INVALID_ARGUMENT expected: ${err?.details}`);
  assert.match(err!.details, /no privileged container allowed in sandbox/);
  assert.equal((await env.d.client.runtime('ListContainers', {})).containers.length, before);
  // Its name was not reserved by the refused attempt.
  const c = await createContainer(env, podId, { name: 'priv-in-plain', command: ['true'] });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
});

test('devices: a host device under another name with its permissions', async () => {
  const r = await run({ devices: [{ host_path: '/dev/null', container_path: '/dev/mynull', permissions: 'rw' }] }, 'stat -c "%t,%T %F" /dev/mynull; echo hi > /dev/mynull && echo wrote');
  assert.equal(r.out, '1,3 character special file\nwrote');
});

test('mount propagation: rshared reaches the host, rslave brings host mounts in, private does neither', async () => {
  const shared = hostDir();
  const slave = hostDir();
  const priv = hostDir();
  writeFileSync(join(priv, 'file'), 'private data');
  const id = await running({
    mounts: [
      { container_path: '/mnt/shared', host_path: shared, propagation: 'PROPAGATION_BIDIRECTIONAL' },
      { container_path: '/mnt/slave', host_path: slave, propagation: 'PROPAGATION_HOST_TO_CONTAINER', readonly: true },
      { container_path: '/mnt/priv', host_path: priv, readonly: true },
    ],
    linux: { security_context: { privileged: true } },
  });
  // Container → host.
  const m = await exec(id, 'mkdir -p /mnt/shared/inner && mount -t tmpfs tmpfs /mnt/shared/inner && echo data > /mnt/shared/inner/f && echo ok');
  assert.equal(m.out, 'ok\n', m.err);
  assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${shared}/inner `), 'the container mount shows on the host');
  assert.equal(readFileSync(join(shared, 'inner', 'f'), 'utf8'), 'data\n');
  // Host → container.
  mkdirSync(join(slave, 'sub'));
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(slave, 'sub')]);
  writeFileSync(join(slave, 'sub', 'g'), 'from host');
  assert.equal((await exec(id, 'cat /mnt/slave/sub/g')).out, 'from host');
  // Read-only and private.
  assert.equal((await exec(id, 'cat /mnt/priv/file; touch /mnt/priv/x 2>/dev/null; echo " rc=$?"')).out, 'private data rc=1\n');
  const st = (await status(env, id)).status!;
  assert.deepEqual(
    st.mounts.map((x) => [x.container_path, x.propagation, x.readonly]),
    [
      ['/mnt/shared', 'PROPAGATION_BIDIRECTIONAL', false],
      ['/mnt/slave', 'PROPAGATION_HOST_TO_CONTAINER', true],
      ['/mnt/priv', 'PROPAGATION_PRIVATE', true],
    ],
  );
  await env.d.client.runtime('RemoveContainer', { container_id: id });
});

test('PID namespaces: own (CONTAINER) or the pod\'s (POD); the pod\'s hosts/resolv.conf/hostname', async () => {
  const own = await run({}, 'echo $$; ps -o comm | grep -c .');
  assert.equal(own.out.split('\n')[0], '1');
  const shared = await run({ linux: { security_context: { namespace_options: { pid: 'POD' } } } }, 'cat /proc/1/cmdline | tr "\\0" " "');
  assert.match(shared.out.trim(), /catatonit/, 'pid 1 is the pod infra, not us');
  // A pod created without a shared PID namespace has no infra: such a container is refused.
  const refused = await grpcError(createContainer(env, podId, { command: ['true'], linux: { security_context: { namespace_options: { pid: 'POD' } } } }));
  assert.equal(refused?.code, 3);
  assert.match(refused!.details, /no shared PID namespace/);
  // TARGET: the namespace of another running container of the pod (ephemeral debug containers).
  const target = await running({ command: ['sleep', '4242'] });
  const seen = await run({ linux: { security_context: { namespace_options: { pid: 'TARGET', target_id: target } } } }, 'ps -o args | grep -c "^sleep 4242"');
  assert.equal(seen.out, '1');
  await env.d.client.runtime('RemoveContainer', { container_id: target });
  const files = await run({}, 'grep -c . /etc/hosts; hostname; test -s /etc/resolv.conf && echo resolv');
  const lines = files.out.split('\n');
  assert.ok(Number(lines[0]) >= 1);
  assert.match(lines[1]!, /^p\d+-\d+$/);
  assert.equal(lines[2], 'resolv');
});

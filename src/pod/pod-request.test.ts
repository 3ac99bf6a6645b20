import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSandboxConfig__Output } from '../gen/runtime/v1/PodSandboxConfig.js';
import { podNameKey, podSettings, seccompChoice } from './pod-request.js';
import { podSysctls, normalizeSysctlName } from './sysctls.js';
import { hostsFile, resolvConf, validHostname, invalidDnsValue } from './dns.js';
import { filterPods, findByIdOrPrefix } from './filter.js';
import type { PodRecord } from './types.js';

function config(over: Partial<PodSandboxConfig__Output> = {}): PodSandboxConfig__Output {
  return {
    metadata: { name: 'n', namespace: 'ns', uid: 'u', attempt: 0 },
    hostname: '',
    log_directory: '',
    dns_config: null,
    port_mappings: [],
    labels: {},
    annotations: {},
    linux: null,
    windows: null,
    ...over,
  };
}

test('settings: defaults, host namespaces, port mappings, users', () => {
  const s = podSettings(config());
  assert.deepEqual(s.namespaces, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  assert.deepEqual(s.seccomp, { kind: 'unconfined' });
  assert.equal(s.uid, 0);
  const h = podSettings(
    config({
      port_mappings: [
        { protocol: 'UDP', container_port: 53, host_port: 5353, host_ip: '127.0.0.1' },
        { protocol: 'TCP', container_port: 80, host_port: 0, host_ip: '' },
      ],
      linux: {
        cgroup_parent: '',
        sysctls: {},
        overhead: null,
        resources: null,
        security_context: {
          namespace_options: { network: 'POD', pid: 'POD', ipc: 'NODE', target_id: '', userns_options: null },
          selinux_options: null,
          run_as_user: { value: '1000' },
          run_as_group: { value: '2000' },
          readonly_rootfs: false,
          supplemental_groups: ['3000'],
          privileged: false,
          seccomp_profile_path: '',
          seccomp: { profile_type: 'RuntimeDefault', localhost_ref: '' },
          apparmor: null,
          supplemental_groups_policy: 'Merge',
        },
      },
    }),
  );
  assert.deepEqual(h.namespaces, { network: 'POD', pid: 'POD', ipc: 'NODE' });
  assert.deepEqual(h.portMappings, [{ hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' }]);
  assert.deepEqual([h.uid, h.gid, h.additionalGids], [1000, 2000, [3000]]);
  assert.deepEqual(h.seccomp, { kind: 'default' });
  assert.throws(() => podSettings(null), /config is required/);
  assert.throws(() => podSettings(config({ port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: 80, host_ip: 'localhost' }] })), /not an IP address/);
  assert.throws(() => podSettings(config({ metadata: { name: 'a/b', namespace: 'ns', uid: 'u', attempt: 0 } })), /metadata.name/);
  assert.equal(podNameKey({ name: 'a', namespace: 'b', uid: 'c', attempt: 2 }), 'a_b_c_2');
});

test('seccomp choices', () => {
  const sc = (seccomp: unknown, path = '') => seccompChoice({ seccomp, seccomp_profile_path: path } as never);
  assert.deepEqual(sc(null, 'runtime/default'), { kind: 'default' });
  assert.deepEqual(sc(null, 'localhost//etc/p.json'), { kind: 'file', path: '/etc/p.json' });
  assert.deepEqual(sc({ profile_type: 'Localhost', localhost_ref: '/x.json' }), { kind: 'file', path: '/x.json' });
  assert.deepEqual(sc({ profile_type: 'Unconfined', localhost_ref: '' }), { kind: 'unconfined' });
  assert.throws(() => sc({ profile_type: 'Localhost', localhost_ref: 'rel.json' }), /absolute/);
  assert.throws(() => sc(null, 'weird'), /not understood/);
});

test('sysctls: only namespaced ones, and only in the pod\'s own namespaces', () => {
  const own = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const;
  assert.deepEqual(podSysctls({ 'net/ipv4/conf/eth0.100/forwarding': '1', 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '5', 'kernel.sem': '1 2 3 4' }, own), {
    'net.ipv4.conf.eth0.100.forwarding': '1',
    'kernel.shmmax': '1',
    'fs.mqueue.msg_max': '5',
    'kernel.sem': '1 2 3 4',
  });
  assert.equal(normalizeSysctlName('net.ipv4.ip_forward'), 'net.ipv4.ip_forward');
  assert.throws(() => podSysctls({ 'kernel.hostname': 'x' }, own), /not namespaced/);
  assert.throws(() => podSysctls({ 'vm.swappiness': '1' }, own), /not namespaced/);
  assert.throws(() => podSysctls({ 'net.ipv4.ip_forward': '1\n' }, own), /newline/);
  assert.throws(() => podSysctls({ 'net.ipv4.ip_forward': '1' }, { ...own, network: 'NODE' }), /host network/);
  assert.throws(() => podSysctls({ 'kernel.msgmax': '1' }, { ...own, ipc: 'NODE' }), /host IPC/);
});

test('resolv.conf, hosts and host names', () => {
  assert.equal(resolvConf({ servers: ['1.2.3.4'], searches: ['a.b', 'c'], options: ['ndots:2'] }), 'search a.b c\nnameserver 1.2.3.4\noptions ndots:2\n');
  assert.equal(resolvConf({ servers: ['1.2.3.4'], searches: [], options: [] }), 'nameserver 1.2.3.4\n');
  assert.equal(invalidDnsValue({ servers: ['1.2.3.4 x'], searches: [], options: [] }), '1.2.3.4 x');
  assert.match(hostsFile('web', ['10.0.0.5']), /^127\.0\.0\.1\tlocalhost\n[\s\S]*10\.0\.0\.5\tweb\n$/);
  assert.ok(validHostname('web-0.example'));
  assert.ok(!validHostname('-web'));
  assert.ok(!validHostname('a b'));
});

test('list filters: id and unique prefix, state, labels; creation order', () => {
  const pod = (id: string, state: PodRecord['state'], labels: Record<string, string>, t: string) =>
    ({ id, state, createdAtNs: t, config: { labels } }) as unknown as PodRecord;
  const pods = [pod('abc1', 'SANDBOX_READY', { a: '1' }, '20'), pod('abc2', 'SANDBOX_NOTREADY', { a: '1', b: '2' }, '10'), pod('def', 'SANDBOX_READY', {}, '30')];
  const ids = (f: object | null) => filterPods(pods, f as never).map((p) => p.id);
  assert.deepEqual(ids(null), ['abc2', 'abc1', 'def']);
  assert.deepEqual(ids({ id: 'abc1', state: null, label_selector: {} }), ['abc1']);
  assert.deepEqual(ids({ id: 'abc', state: null, label_selector: {} }), [], 'an ambiguous prefix matches nothing');
  assert.deepEqual(ids({ id: 'de', state: null, label_selector: {} }), ['def']);
  assert.deepEqual(ids({ id: '', state: { state: 'SANDBOX_READY' }, label_selector: { a: '1' } }), ['abc1']);
  assert.deepEqual(ids({ id: '', state: null, label_selector: { b: '2' } }), ['abc2']);
  assert.equal(findByIdOrPrefix(pods, 'x'), undefined);
});

test('hostile pod input: log dirs that escape or overlap the state roots, unknown enum values, . and ..', () => {
  const roots = ['/var/lib/rktlet', '/run/rktlet'];
  const bad = (over: Partial<PodSandboxConfig__Output>) => assert.throws(() => podSettings(config(over), roots), { code: 'INVALID_ARGUMENT' }, JSON.stringify(over));
  for (const d of ['/tmp/../x', '/a/./b', '/a\0b', '/a\nb', '/var/lib/rktlet', '/var/lib/rktlet/pods/x', '/run', '/', '/run/rktlet//netns']) bad({ log_directory: d });
  podSettings(config({ log_directory: '/var/log/pods/ns_n_u' }), roots);
  podSettings(config({ log_directory: '/var/lib/rktlet/pod-logs/ns_n_u' }), roots); // the CLI's
  bad({ metadata: { name: '..', namespace: 'ns', uid: 'u', attempt: 0 } });
  const nso = (o: Record<string, unknown>) => ({ linux: { security_context: { namespace_options: o } } }) as unknown as Partial<PodSandboxConfig__Output>;
  bad(nso({ network: 99 }));
  bad(nso({ ipc: 7 }));
  bad(nso({ pid: 5 }));
  bad({ port_mappings: [{ protocol: 9 as unknown as 'TCP', container_port: 80, host_port: 8080, host_ip: '' }] });
});

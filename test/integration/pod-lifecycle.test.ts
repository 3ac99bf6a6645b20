// Pod sandboxes end to end through a real daemon: run (infra under conmon + runc), status, list
// with filters and its streaming twin, DNS/hostname/sysctls/shm inside the pod, cgroups, name
// reservation, host namespaces, stop/remove idempotence and bad input. This daemon keeps an infra
// for every pod (pod.drop_infra = false); the default, infra-less pods are in
// pod-pinned-namespaces.test.ts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { status as Grpc } from '@grpc/grpc-js';
import { TestDaemon } from '../helpers/daemon.js';
import { CriClient } from '../../src/client/cri-client.js';

let d: TestDaemon;
before(async () => {
  d = await TestDaemon.start({ configToml: '[pod]\ndrop_infra = false\n' });
});
after(async () => {
  await d.destroy();
});

interface Verbose {
  pid: number;
  netnsPath: string;
  resolvConfPath: string;
  hostsPath: string;
  shmPath: string;
  cgroupParent: string;
  infraCgroupsPath: string;
}

function cfg(name: string, extra: Record<string, unknown> = {}) {
  return { metadata: { name, namespace: 'lc', uid: `uid-${name}`, attempt: 1 }, ...extra };
}

async function verbose(id: string): Promise<Verbose> {
  const st = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  return JSON.parse(st.info.info!) as Verbose;
}

function codeOf(p: Promise<unknown>): Promise<{ code: number; details: string } | undefined> {
  return p.then(
    () => undefined,
    (e: { code: number; details: string }) => e,
  );
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function ppid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

test('run, status, list with filters, stream: every field the kubelet reads', async () => {
  const before = BigInt(Date.now()) * 1_000_000n;
  const labels = { app: 'web', tier: 'front' };
  const annotations = { 'example.com/a': 'b' };
  const [web, db] = await Promise.all([
    d.client.runtime('RunPodSandbox', { config: cfg('web', { labels, annotations, hostname: 'web-0' }) }),
    d.client.runtime('RunPodSandbox', { config: cfg('db', { labels: { app: 'db' } }), runtime_handler: 'runc' }),
  ]);
  const afterNs = BigInt(Date.now()) * 1_000_000n;
  assert.match(web.pod_sandbox_id, /^[0-9a-f]{64}$/);

  const s = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: web.pod_sandbox_id, verbose: false });
  const st = s.status!;
  assert.equal(st.id, web.pod_sandbox_id);
  assert.deepEqual(st.metadata, { name: 'web', namespace: 'lc', uid: 'uid-web', attempt: 1 });
  assert.equal(st.state, 'SANDBOX_READY');
  assert.ok(BigInt(st.created_at) >= before && BigInt(st.created_at) <= afterNs, st.created_at);
  assert.deepEqual(st.labels, labels);
  assert.deepEqual(st.annotations, annotations);
  assert.equal(st.runtime_handler, 'runc');
  assert.match(st.network!.ip, /^10\./);
  assert.deepEqual(st.network!.additional_ips, []);
  assert.equal(st.linux!.namespaces!.options!.network, 'POD');
  assert.equal(st.linux!.namespaces!.options!.pid, 'CONTAINER');
  assert.equal(st.linux!.namespaces!.options!.ipc, 'POD');
  assert.deepEqual(s.info, {});
  assert.ok(BigInt(s.timestamp) >= BigInt(st.created_at));

  // The infra runs and is not a child of the daemon (nor is its conmon).
  const v = await verbose(web.pod_sandbox_id);
  // No DNSConfig: the host's resolv.conf; /etc/hosts names the pod by its hostname and IP.
  assert.equal(readFileSync(v.resolvConfPath, 'utf8'), readFileSync('/etc/resolv.conf', 'utf8'));
  assert.match(readFileSync(v.hostsPath, 'utf8'), new RegExp(`^${st.network!.ip.replace(/\./g, '\\.')}\tweb-0$`, 'm'));
  assert.ok(existsSync(`/proc/${v.pid}`));
  assert.match(readFileSync(`/proc/${v.pid}/cmdline`, 'utf8'), /catatonit/);
  const conmon = ppid(v.pid);
  assert.notEqual(conmon, d.proc.pid);
  assert.notEqual(ppid(conmon), d.proc.pid);
  assert.match(readFileSync(`/proc/${conmon}/cmdline`, 'utf8'), /conmon/);

  // A prefix of the id works where an id is expected.
  const byPrefix = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: web.pod_sandbox_id.slice(0, 12) });
  assert.equal(byPrefix.status!.id, web.pod_sandbox_id);

  const ids = async (filter: object) => (await d.client.runtime('ListPodSandbox', { filter })).items.map((p) => p.id).sort();
  const all = (await d.client.runtime('ListPodSandbox', {})).items;
  assert.deepEqual(all.map((p) => p.id).sort(), [web.pod_sandbox_id, db.pod_sandbox_id].sort());
  const w = all.find((p) => p.id === web.pod_sandbox_id)!;
  assert.deepEqual(w.metadata, st.metadata);
  assert.equal(w.state, 'SANDBOX_READY');
  assert.equal(w.created_at, st.created_at);
  assert.deepEqual(w.labels, labels);
  assert.deepEqual(w.annotations, annotations);
  assert.equal(w.runtime_handler, 'runc');
  assert.deepEqual(await ids({ id: web.pod_sandbox_id }), [web.pod_sandbox_id]);
  assert.deepEqual(await ids({ id: web.pod_sandbox_id.slice(0, 10) }), [web.pod_sandbox_id]);
  assert.deepEqual(await ids({ id: 'ffffffffffffffffffff' }), []);
  assert.deepEqual(await ids({ label_selector: { app: 'web' } }), [web.pod_sandbox_id]);
  assert.deepEqual(await ids({ label_selector: { app: 'web', tier: 'back' } }), []);
  assert.deepEqual(await ids({ state: { state: 'SANDBOX_NOTREADY' } }), []);

  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: db.pod_sandbox_id });
  assert.deepEqual(await ids({ state: { state: 'SANDBOX_NOTREADY' } }), [db.pod_sandbox_id]);
  assert.deepEqual(await ids({ state: { state: 'SANDBOX_READY' }, label_selector: { app: 'web' } }), [web.pod_sandbox_id]);

  // The streaming twin answers the same.
  const chunks = await CriClient.collect(d.client.runtimeStream('StreamPodSandboxes', { filter: { state: { state: 'SANDBOX_NOTREADY' } } }));
  assert.deepEqual(chunks.flatMap((c) => c.pod_sandboxes.map((p) => p.id)), [db.pod_sandbox_id]);
  const streamedAll = await CriClient.collect(d.client.runtimeStream('StreamPodSandboxes', {}));
  assert.deepEqual(streamedAll.flatMap((c) => c.pod_sandboxes).sort((a, b) => a.id.localeCompare(b.id)), [...all].map((p) => (p.id === db.pod_sandbox_id ? { ...p, state: 'SANDBOX_NOTREADY' } : p)).sort((a, b) => a.id.localeCompare(b.id)));

  await Promise.all([web, db].map((p) => d.client.runtime('RemovePodSandbox', { pod_sandbox_id: p.pod_sandbox_id })));
  assert.deepEqual((await d.client.runtime('ListPodSandbox', {})).items, []);
});

test('DNS, hostname, sysctls, /dev/shm and the cgroup are applied inside the pod', async () => {
  const r = await d.client.runtime('RunPodSandbox', {
    config: cfg('dns', {
      hostname: 'dns-host',
      dns_config: { servers: ['10.96.0.10', '10.96.0.11'], searches: ['lc.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5', 'edns0'] },
      linux: {
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '77', 'kernel.shm_rmid_forced': '1', 'net/ipv4/ping_group_range': '0 0' },
        security_context: { run_as_user: { value: 65534 }, run_as_group: { value: 65533 }, seccomp: { profile_type: 'RuntimeDefault' } },
      },
    }),
  });
  const v = await verbose(r.pod_sandbox_id);
  assert.equal(
    readFileSync(v.resolvConfPath, 'utf8'),
    'search lc.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\nnameserver 10.96.0.11\noptions ndots:5 edns0\n',
  );
  assert.equal(sh('nsenter', ['-t', String(v.pid), '--uts', 'hostname']).trim(), 'dns-host');
  assert.match(readFileSync(v.hostsPath, 'utf8'), /\tdns-host\n/);
  assert.equal(sh('nsenter', [`--net=${v.netnsPath}`, 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start']).trim(), '77');
  assert.equal(sh('nsenter', [`--net=${v.netnsPath}`, 'cat', '/proc/sys/net/ipv4/ping_group_range']).trim().replace(/\s+/g, ' '), '0 0');
  assert.equal(sh('nsenter', ['-t', String(v.pid), '--ipc', 'cat', '/proc/sys/kernel/shm_rmid_forced']).trim(), '1');
  // The host is untouched.
  assert.notEqual(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim(), '77');
  // /dev/shm: a 64 MiB tmpfs of the pod's own.
  const shm = sh('findmnt', ['-n', '-o', 'FSTYPE,OPTIONS', v.shmPath]);
  assert.match(shm, /^tmpfs .*size=65536k/);
  // cgroupfs: the infra sits in <default parent>/pod-<id>/<id>.
  assert.equal(v.cgroupParent, `/rktlet/pod-${r.pod_sandbox_id}`);
  const cg = readFileSync(`/proc/${v.pid}/cgroup`, 'utf8');
  assert.match(cg, new RegExp(`:memory:/rktlet/pod-${r.pod_sandbox_id}/${r.pod_sandbox_id}\n`));
  // The security context: user, group, no capabilities, no new privileges, a seccomp filter.
  const status = readFileSync(`/proc/${v.pid}/status`, 'utf8');
  assert.match(status, /^Uid:\t65534\t/m);
  assert.match(status, /^Gid:\t65533\t/m);
  assert.match(status, /^CapEff:\t0000000000000000$/m);
  assert.match(status, /^NoNewPrivs:\t1$/m);
  assert.match(status, /^Seccomp:\t2$/m);
  // oom_score_adj is clamped to the daemon's own (root here cannot go below it).
  const own = Number(readFileSync(`/proc/${d.proc.pid}/oom_score_adj`, 'utf8'));
  assert.equal(Number(readFileSync(`/proc/${v.pid}/oom_score_adj`, 'utf8')), Math.max(-998, own));

  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  assert.ok(!existsSync(`/sys/fs/cgroup/memory/rktlet/pod-${r.pod_sandbox_id}`), 'the pod cgroup is removed');
  assert.ok(!existsSync(v.shmPath));
  assert.ok(!existsSync(`/proc/${v.pid}`) || /Z/.test(readFileSync(`/proc/${v.pid}/stat`, 'utf8').split(') ')[1]!.slice(0, 1)));
});

test('the host namespaces and a kubelet cgroup_parent', async () => {
  const parent = `/rktlet-test-${process.pid}`;
  const r = await d.client.runtime('RunPodSandbox', {
    config: cfg('host', {
      linux: { cgroup_parent: parent, security_context: { privileged: true, namespace_options: { network: 'NODE', pid: 'NODE', ipc: 'NODE' } } },
    }),
  });
  const s = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: r.pod_sandbox_id, verbose: true });
  assert.equal(s.status!.network!.ip, '');
  assert.equal(s.status!.linux!.namespaces!.options!.network, 'NODE');
  const v = JSON.parse(s.info.info!) as Verbose;
  assert.equal(v.netnsPath, '');
  assert.equal(v.shmPath, '/dev/shm');
  for (const ns of ['net', 'ipc', 'pid', 'uts']) {
    assert.equal(sh('readlink', [`/proc/${v.pid}/ns/${ns}`]), sh('readlink', [`/proc/self/ns/${ns}`]), ns);
  }
  assert.equal(sh('nsenter', ['-t', String(v.pid), '--uts', 'hostname']).trim(), hostname());
  // Privileged: every capability, no seccomp filter.
  const status = readFileSync(`/proc/${v.pid}/status`, 'utf8');
  assert.doesNotMatch(status, /^CapEff:\t0000000000000000$/m);
  assert.match(status, /^Seccomp:\t0$/m);
  assert.match(readFileSync(`/proc/${v.pid}/cgroup`, 'utf8'), new RegExp(`:memory:${parent}/${r.pod_sandbox_id}\n`));
  // Namespaced sysctls need the pod's own namespaces.
  const bad = await codeOf(d.client.runtime('RunPodSandbox', { config: cfg('host2', { linux: { sysctls: { 'net.ipv4.ip_forward': '1' }, security_context: { namespace_options: { network: 'NODE' } } } }) }));
  assert.equal(bad?.code, Grpc.INVALID_ARGUMENT);
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  spawnSync('sh', ['-c', `for c in /sys/fs/cgroup/*/; do rmdir "$c${parent.slice(1)}" 2>/dev/null; done; true`]);
});

test('pod names are reserved while the pod exists', async () => {
  const a = await d.client.runtime('RunPodSandbox', { config: cfg('dup') });
  const err = await codeOf(d.client.runtime('RunPodSandbox', { config: cfg('dup') }));
  assert.equal(err?.code, Grpc.ALREADY_EXISTS);
  assert.match(err!.details, new RegExp(a.pod_sandbox_id));
  // Another attempt number is another name.
  const b = await d.client.runtime('RunPodSandbox', { config: { ...cfg('dup'), metadata: { name: 'dup', namespace: 'lc', uid: 'uid-dup', attempt: 2 } } });
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: a.pod_sandbox_id });
  assert.equal((await codeOf(d.client.runtime('RunPodSandbox', { config: cfg('dup') })))?.code, Grpc.ALREADY_EXISTS, 'a stopped pod still holds its name');
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: a.pod_sandbox_id });
  const c = await d.client.runtime('RunPodSandbox', { config: cfg('dup') });
  for (const p of [b, c]) await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: p.pod_sandbox_id });
});

test('stop and remove are idempotent; unknown pods and bad input get the right codes', async () => {
  const r = await d.client.runtime('RunPodSandbox', { config: cfg('idem') });
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  assert.equal((await codeOf(d.client.runtime('PodSandboxStatus', { pod_sandbox_id: r.pod_sandbox_id })))?.code, Grpc.NOT_FOUND);
  // Gone: nothing left to reclaim, so OK (the CRI's idempotence; containerd 2 answers the same).
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: 'f'.repeat(64) });

  const keep = await d.client.runtime('RunPodSandbox', { config: cfg('keep') });
  const cases: [object, RegExp][] = [
    [{}, /config is required/],
    [{ config: { metadata: { name: 'x', namespace: 'lc' } } }, /metadata/],
    [{ config: cfg('h1'), runtime_handler: 'kata-nope' }, /no runtime for "kata-nope" is configured \(configured handlers: runc, crun, host\)/],
    [{ config: cfg('s1', { linux: { sysctls: { 'kernel.hostname': 'x' } } }) }, /not namespaced/],
    [{ config: cfg('s2', { hostname: 'bad host' }) }, /hostname/],
    [{ config: cfg('s3', { dns_config: { servers: ['1.1.1.1\nnameserver 6.6.6.6'] } }) }, /dns_config/],
    [{ config: cfg('s4', { port_mappings: [{ container_port: 70000, host_port: 1 }] }) }, /container_port/],
    [{ config: cfg('s5', { linux: { cgroup_parent: 'kubepods.slice' } }) }, /cgroup_parent/],
  ];
  for (const [req, msg] of cases) {
    const e = await codeOf(d.client.runtime('RunPodSandbox', req));
    assert.equal(e?.code, Grpc.INVALID_ARGUMENT, `${JSON.stringify(req)} → ${e?.details}`);
    assert.match(e!.details, msg);
  }
  assert.equal((await codeOf(d.client.runtime('PodSandboxStatus', { pod_sandbox_id: '' })))?.code, Grpc.INVALID_ARGUMENT);
  assert.equal((await codeOf(d.client.runtime('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: 'nope' } } })))?.code, Grpc.INVALID_ARGUMENT);
  await d.client.runtime('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: '10.244.1.0/24' } } });
  // Nothing was stored by the refused calls; the pod that existed is intact.
  const items = (await d.client.runtime('ListPodSandbox', {})).items;
  assert.deepEqual(items.map((p) => [p.id, p.state]), [[keep.pod_sandbox_id, 'SANDBOX_READY']]);
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: keep.pod_sandbox_id });
});

test('the crun handler (run where /sys/fs/cgroup/unified is hidden) runs pods too', async () => {
  const r = await d.client.runtime('RunPodSandbox', { config: cfg('crun', { linux: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '99' } } }), runtime_handler: 'crun' });
  const s = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: r.pod_sandbox_id, verbose: true });
  assert.equal(s.status!.state, 'SANDBOX_READY');
  assert.equal(s.status!.runtime_handler, 'crun');
  assert.match(s.status!.network!.ip, /^10\./);
  const v = JSON.parse(s.info.info!) as Verbose;
  assert.match(readFileSync(`/proc/${v.pid}/cmdline`, 'utf8'), /catatonit/);
  assert.equal(sh('nsenter', [`--net=${v.netnsPath}`, 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start']).trim(), '99');
  // The host still has its v2 mount: only the runtime's own mount namespace lost it.
  assert.match(readFileSync('/proc/self/mountinfo', 'utf8'), / \/sys\/fs\/cgroup\/unified /);
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  assert.deepEqual((await d.client.runtime('ListPodSandbox', {})).items, []);
});

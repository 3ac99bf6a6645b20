import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateContainerSpec, type ContainerSpecInput } from './container-spec.js';
import { emptyResources } from './resources.js';
import { assertGolden } from '../../../test/helpers/golden.js';
import { InvalidArgumentError } from '../../errors/catalog.js';

const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

function input(over: (i: ContainerSpecInput) => void = () => undefined): ContainerSpecInput {
  const i: ContainerSpecInput = {
    rootfs: '/var/lib/rktlet/containers/c1/rootfs',
    image: { Env: ['PATH=/bin', 'FOO=image'], Entrypoint: ['/entry'], Cmd: ['default-arg'], WorkingDir: '/work' },
    command: [],
    args: [],
    workingDir: '',
    envs: [{ key: 'FOO', value: 'cri' }, { key: 'BAR', value: 'x=y' }],
    tty: false,
    hostname: 'pod-host',
    user: { uid: 0, gid: 0, additionalGids: [0, 10] },
    podFiles: {
      hostsPath: '/var/lib/rktlet/pods/p1/hosts',
      resolvConfPath: '/var/lib/rktlet/pods/p1/resolv.conf',
      hostnamePath: '/var/lib/rktlet/pods/p1/hostname',
      shmPath: '/run/rktlet/pods/p1/shm',
    },
    mounts: [],
    devices: [],
    resources: emptyResources(),
    cgroupsPath: '/rktlet/pod-p1/c1',
    namespaces: { netnsPath: '/run/rktlet/netns/p1', networkMode: 'POD', ipcMode: 'POD', pidMode: 'CONTAINER', infraPid: 4242 },
    sysctls: {},
    security: {
      privileged: false,
      capAdd: [],
      capDrop: [],
      noNewPrivs: false,
      readonlyRootfs: false,
      maskedPaths: [],
      readonlyPaths: [],
      seccomp: { type: 'RuntimeDefault' },
    },
    hostDevices: [
      { containerPath: '/dev/loop0', type: 'b', major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6, permissions: 'rwm' },
    ],
    host: { defaultCapabilities: DEFAULT_CAPS, daemonOomScoreAdj: -500, restrictOomScoreAdj: true, swapAccounting: false, cgroupV2: false, arch: 'x64' },
    annotations: { 'example.com/a': '1' },
    metadata: {
      containerType: 'container',
      sandboxId: 'p1',
      sandboxName: 'web',
      sandboxNamespace: 'default',
      sandboxUid: 'uid-1',
      containerName: 'app',
      imageName: 'docker.io/library/busybox:latest',
    },
  };
  over(i);
  return i;
}

test('default container spec', () => {
  assertGolden('oci-spec/default', generateContainerSpec(input()));
});

test('privileged: all capabilities and devices, writable /sys, no seccomp or masked paths', () => {
  const s = generateContainerSpec(input((i) => (i.security.privileged = true)));
  assert.equal(s.linux.seccomp, undefined);
  assert.equal(s.process.capabilities!.bounding.length, 41);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('rw'));
  assert.deepEqual(s.linux.resources!.devices, [{ allow: true, access: 'rwm' }]);
  assertGolden('oci-spec/privileged', s);
});

test('full request: args, user, mounts with propagation, devices, resources, namespaces, security', () => {
  const s = generateContainerSpec(
    input((i) => {
      i.command = ['/bin/sh', '-c'];
      i.args = ['echo hi'];
      i.workingDir = '/srv';
      i.tty = true;
      i.user = { uid: 1000, gid: 1000, additionalGids: [1000, 20, 3000], username: 'app' };
      i.mounts = [
        { containerPath: '/data/sub', hostPath: '/host/sub', readonly: true, propagation: 'private' },
        { containerPath: '/data', hostPath: '/host/data', readonly: false, propagation: 'rshared' },
        { containerPath: '/etc/hosts', hostPath: '/host/hosts', readonly: true, propagation: 'rslave' },
      ];
      i.devices = [{ containerPath: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0, permissions: 'rw' }];
      i.resources = {
        ...emptyResources(),
        cpuShares: 512,
        cpuQuota: 50000,
        cpuPeriod: 100000,
        cpusetCpus: '0',
        cpusetMems: '0',
        memoryLimit: 15 * 1024 * 1024,
        hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
        unified: { 'memory.high': '10000000' },
        oomScoreAdj: -999,
        pidsLimit: 100,
      };
      i.host.swapAccounting = true;
      i.namespaces = { ...i.namespaces, pidMode: 'TARGET', targetPid: 777 };
      i.sysctls = { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shmmax': '1000' };
      i.security = {
        ...i.security,
        capAdd: ['NET_ADMIN', 'CAP_SYS_ADMIN'],
        capDrop: ['chown', 'KILL'],
        noNewPrivs: true,
        readonlyRootfs: true,
        maskedPaths: ['/proc/foo'],
        readonlyPaths: ['/proc/bar'],
      };
    }),
  );
  assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'echo hi']);
  assert.equal(s.process.oomScoreAdj, -500, 'clamped to the daemon');
  assert.equal(s.linux.rootfsPropagation, 'rshared');
  assert.deepEqual(
    s.mounts.map((m) => m.destination).slice(-4),
    ['/dev/shm', '/data', '/data/sub', '/etc/hosts'],
  );
  assert.ok(s.linux.seccomp!.syscalls![0]!.names.includes('mount'), 'CAP_SYS_ADMIN allows mount');
  assertGolden('oci-spec/full', s);
});

test('host namespaces: NODE network/IPC/PID join nothing', () => {
  const s = generateContainerSpec(
    input((i) => (i.namespaces = { netnsPath: '', networkMode: 'NODE', ipcMode: 'NODE', pidMode: 'NODE', infraPid: 4242 })),
  );
  assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }]);
  const pod = generateContainerSpec(input((i) => (i.namespaces.pidMode = 'POD')));
  assert.deepEqual(pod.linux.namespaces.find((n) => n.type === 'pid'), { type: 'pid', path: '/proc/4242/ns/pid' });
  const v2 = generateContainerSpec(input((i) => (i.host.cgroupV2 = true)));
  assert.ok(v2.linux.namespaces.some((n) => n.type === 'cgroup'));
});

test('unconfined and localhost seccomp', () => {
  const u = generateContainerSpec(input((i) => (i.security.seccomp = { type: 'Unconfined' })));
  assert.equal(u.linux.seccomp, undefined);
  const prof = { defaultAction: 'SCMP_ACT_LOG' };
  const l = generateContainerSpec(
    input((i) => {
      i.security.seccomp = { type: 'Localhost', path: '/p.json' };
      i.security.seccompProfile = prof;
    }),
  );
  assert.deepEqual(l.linux.seccomp, prof);
  assert.throws(() => generateContainerSpec(input((i) => (i.security.seccomp = { type: 'Localhost', path: '/p.json' }))), InvalidArgumentError);
});

test('a request without a command on an image without one is refused', () => {
  assert.throws(() => generateContainerSpec(input((i) => (i.image = {}))), /no command specified/);
});

test('non-namespaced sysctls and sysctls for host namespaces are refused', () => {
  assert.throws(() => generateContainerSpec(input((i) => (i.sysctls = { 'vm.swappiness': '1' }))), InvalidArgumentError);
  assert.throws(
    () =>
      generateContainerSpec(
        input((i) => {
          i.sysctls = { 'net.core.somaxconn': '1' };
          i.namespaces = { ...i.namespaces, networkMode: 'NODE' };
        }),
      ),
    InvalidArgumentError,
  );
});

test('runtime features: recursive read-only and image volume binds, CDI edits (env, device, mount, hook)', () => {
  const s = generateContainerSpec(
    input((i) => {
      i.mounts = [
        { containerPath: '/vol', hostPath: '/host/vol', readonly: true, propagation: 'private', recursiveReadOnly: true },
        { containerPath: '/data', hostPath: '/var/lib/rktlet/snapshots/active/c1/volumes/0', readonly: true, propagation: 'private' },
      ];
      i.cdi = {
        env: ['FOO=cdi', 'CDI_DEV=1'],
        devices: [{ containerPath: '/dev/vendor0', type: 'c', major: 240, minor: 1, fileMode: 0o660, uid: 0, gid: 44, permissions: 'rw' }],
        mounts: [{ hostPath: '/usr/lib/vendor', containerPath: '/usr/lib/vendor', options: ['ro', 'rbind'] }],
        hooks: [{ hookName: 'createContainer', path: '/usr/bin/vendor-hook', args: ['vendor-hook', 'setup'] }],
        additionalGids: [44],
      };
    }),
  );
  const vol = s.mounts.find((m) => m.destination === '/vol')!;
  assert.deepEqual(vol.options, ['rbind', 'rprivate', 'rro']);
  assert.ok(s.process.env.includes('FOO=cdi'), 'CDI env applies after the request (the CDI library appends)');
  assert.deepEqual(s.hooks, { createContainer: [{ path: '/usr/bin/vendor-hook', args: ['vendor-hook', 'setup'] }] });
  assert.ok(s.linux.resources!.devices!.some((d) => d.major === 240 && d.minor === 1 && d.access === 'rw'));
  assertGolden('oci-spec/features', s);
});

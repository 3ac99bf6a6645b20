// CreateContainer's pure checks (create-request.ts): every refusal with the gRPC code the client
// gets, the order they are made in, and the settings an accepted request turns into. No I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import { toGrpcStatus } from '../errors/grpc-status.js';
import type { ImageRecord } from '../image/types.js';
import { admitToPod, checkCreateRequest, containerSettings, requireImage, targetPid } from './create-request.js';
import { fakePodView } from './test-fakes.js';
import type { ContainerRecord } from './types.js';

const OPTS = { seccompUseDefaultWhenEmpty: true };

function config(over: Record<string, unknown> = {}): ContainerConfig__Output {
  return {
    metadata: { name: 'c', attempt: 0 },
    image: { image: 'busybox' },
    command: ['true'],
    args: [],
    working_dir: '',
    envs: [],
    mounts: [],
    devices: [],
    labels: {},
    annotations: {},
    log_path: '',
    stdin: false,
    stdin_once: false,
    tty: false,
    linux: null,
    windows: null,
    CDI_devices: [],
    stop_signal: 'RUNTIME_DEFAULT',
    ...over,
  } as unknown as ContainerConfig__Output;
}

/** A linux section with only a security context. */
function linuxSc(sc: Record<string, unknown>, resources: unknown = null): ContainerConfig__Output['linux'] {
  return { resources, security_context: sc } as unknown as ContainerConfig__Output['linux'];
}

function request(over: Record<string, unknown> = {}): CreateContainerRequest__Output {
  return { pod_sandbox_id: 'pod1', config: config(), sandbox_config: null, ...over } as unknown as CreateContainerRequest__Output;
}

/** fn throws an error that the client sees with this gRPC code and a message matching `message`. */
function refused(fn: () => unknown, code: status, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    const s = toGrpcStatus(err);
    assert.equal(s.code, code, `code ${status[s.code]} for: ${s.details}`);
    assert.match(s.details, message);
    return true;
  });
}

test('the request must name a pod, a container and an image (INVALID_ARGUMENT)', () => {
  refused(() => checkCreateRequest(request({ pod_sandbox_id: '' })), status.INVALID_ARGUMENT, /pod_sandbox_id is required/);
  refused(() => checkCreateRequest(request({ config: null })), status.INVALID_ARGUMENT, /config\.metadata\.name is required/);
  refused(() => checkCreateRequest(request({ config: config({ metadata: { name: '', attempt: 0 } }) })), status.INVALID_ARGUMENT, /config\.metadata\.name is required/);
  refused(() => checkCreateRequest(request({ config: config({ image: null }) })), status.INVALID_ARGUMENT, /config\.image\.image is required/);
  refused(() => checkCreateRequest(request({ config: config({ image: { image: '' } }) })), status.INVALID_ARGUMENT, /config\.image\.image is required/);
  const ok = checkCreateRequest(request());
  assert.equal(ok.podId, 'pod1');
  assert.equal(ok.cfg.metadata.name, 'c');
});

test('the pod must be ready (FAILED_PRECONDITION) and privileged for a privileged container (INVALID_ARGUMENT)', () => {
  refused(() => admitToPod(config(), fakePodView({ ready: false })), status.FAILED_PRECONDITION, /pod sandbox pod1 is not ready/);
  const privileged = config({ linux: linuxSc({ privileged: true }) });
  refused(() => admitToPod(privileged, fakePodView()), status.INVALID_ARGUMENT, /no privileged container allowed in sandbox pod1/);
  // Not ready is told first, as before.
  refused(() => admitToPod(privileged, fakePodView({ ready: false })), status.FAILED_PRECONDITION, /not ready/);
  admitToPod(privileged, fakePodView({ privileged: true }));
  admitToPod(config(), fakePodView());
});

test('an image that is not stored is NOT_FOUND', () => {
  refused(() => requireImage('busybox', undefined), status.NOT_FOUND, /image "busybox" not found: pull it first/);
  const img = { id: 'sha256:1' } as ImageRecord;
  assert.equal(requireImage('busybox', img), img);
});

test('settings: every refusal is INVALID_ARGUMENT naming the field', () => {
  const pod = fakePodView();
  const cases: [string, ContainerConfig__Output, RegExp][] = [
    ['absolute log_path', config({ log_path: '/var/log/x.log' }), /log_path "\/var\/log\/x\.log" must be relative/],
    ['log_path with ..', config({ log_path: 'a/../../x.log' }), /log_path "a\/\.\.\/\.\.\/x\.log" must be relative/],
    ['relative device host path', config({ devices: [{ host_path: 'dev/null', container_path: '/dev/x', permissions: 'rwm' }] }), /device paths must be absolute/],
    ['relative device container path', config({ devices: [{ host_path: '/dev/null', container_path: 'dev/x', permissions: 'rwm' }] }), /device paths must be absolute/],
    ['negative memory limit', config({ linux: linuxSc({}, resources({ memory_limit_in_bytes: '-5' })) }), /resource limits must not be negative/],
    ['mount without host_path', config({ mounts: [{ container_path: '/x', host_path: '', readonly: false, propagation: 'PROPAGATION_PRIVATE' }] }), /mounts need container_path and host_path/],
    ['unknown propagation', config({ mounts: [{ container_path: '/x', host_path: '/tmp', readonly: false, propagation: 'SIDEWAYS' }] }), /unknown mount propagation SIDEWAYS/],
    ['relative seccomp localhost_ref', config({ linux: linuxSc({ seccomp: { profile_type: 'Localhost', localhost_ref: 'p.json' } }) }), /seccomp localhost_ref "p\.json" must be an absolute path/],
    ['unknown legacy seccomp path', config({ linux: linuxSc({ seccomp_profile_path: 'bogus' }) }), /unknown seccomp profile "bogus"/],
    ['unknown PID mode', config({ linux: linuxSc({ namespace_options: { pid: 'SIDEWAYS', target_id: '' } }) }), /unknown namespace mode SIDEWAYS/],
    ['TARGET without target_id', config({ linux: linuxSc({ namespace_options: { pid: 'TARGET', target_id: '' } }) }), /PID mode TARGET needs target_id/],
    ['run_as_user not an id', config({ linux: linuxSc({ run_as_user: { value: '-1' } }) }), /run_as_user "-1" is not a valid id/],
    ['run_as_group not an id', config({ linux: linuxSc({ run_as_user: { value: '1' }, run_as_group: { value: 'x' } }) }), /run_as_group "x" is not a valid id/],
    ['run_as_group alone', config({ linux: linuxSc({ run_as_group: { value: '7' } }) }), /run_as_group 7 is set without run_as_user or run_as_username/],
  ];
  for (const [what, cfg, message] of cases) {
    assert.throws(
      () => containerSettings(cfg, pod, OPTS),
      (err: unknown) => {
        const s = toGrpcStatus(err);
        assert.equal(s.code, status.INVALID_ARGUMENT, `${what}: code ${status[s.code]}`);
        assert.match(s.details, message, what);
        return true;
      },
      what,
    );
  }
});

test('settings: the first failing check is the one told (log_path before the user)', () => {
  const cfg = config({ log_path: '/abs', linux: linuxSc({ run_as_group: { value: '7' } }) });
  refused(() => containerSettings(cfg, fakePodView(), OPTS), status.INVALID_ARGUMENT, /log_path/);
});

test('settings: what an accepted request turns into', () => {
  const plain = containerSettings(config(), fakePodView(), OPTS);
  assert.equal(plain.pidMode, 'CONTAINER');
  assert.deepEqual(plain.seccomp, { type: 'RuntimeDefault' });
  assert.deepEqual(plain.mounts, []);
  assert.equal(plain.runAsUser, undefined);
  assert.equal(plain.targetId, undefined);
  // The CRI's own meaning of no profile when so configured.
  assert.deepEqual(containerSettings(config(), fakePodView(), { seccompUseDefaultWhenEmpty: false }).seccomp, { type: 'Unconfined' });
  // A host-PID pod overrides the container's mode; a privileged container is unconfined.
  const s = containerSettings(
    config({
      linux: linuxSc({ privileged: true, namespace_options: { pid: 'POD', target_id: '' }, run_as_user: { value: '1000' }, run_as_group: { value: '100' } }),
      mounts: [{ container_path: '/data', host_path: '/tmp', readonly: true, propagation: 'PROPAGATION_PRIVATE' }],
    }),
    fakePodView({ hostPid: true }),
    OPTS,
  );
  assert.equal(s.pidMode, 'NODE');
  assert.deepEqual(s.seccomp, { type: 'Unconfined' });
  assert.equal(s.runAsUser, 1000);
  assert.equal(s.runAsGroup, 100);
  assert.deepEqual(s.mounts, [{ containerPath: '/data', hostPath: '/tmp', readonly: true, propagation: 'private' }]);
  // A group with a user name is fine.
  assert.equal(containerSettings(config({ linux: linuxSc({ run_as_username: 'app', run_as_group: { value: '7' } }) }), fakePodView(), OPTS).runAsGroup, 7);
  const target = containerSettings(config({ linux: linuxSc({ namespace_options: { pid: 'TARGET', target_id: 'abc' } }) }), fakePodView(), OPTS);
  assert.equal(target.pidMode, 'TARGET');
  assert.equal(target.targetId, 'abc');
});

test('a PID target must be a running container of the same pod (NOT_FOUND)', () => {
  const rec = (state: string, podId = 'pod1') => ({ meta: { id: 'abc', podId }, status: { state, pid: 42 } }) as unknown as ContainerRecord;
  refused(() => targetPid('abc', undefined, 'pod1'), status.NOT_FOUND, /target container "abc" is not running in this pod/);
  refused(() => targetPid('abc', rec('exited'), 'pod1'), status.NOT_FOUND, /is not running in this pod/);
  refused(() => targetPid('abc', rec('running', 'pod2'), 'pod1'), status.NOT_FOUND, /is not running in this pod/);
  assert.equal(targetPid('abc', rec('running'), 'pod1'), 42);
});

function resources(over: Record<string, unknown>): unknown {
  return {
    cpu_period: '0',
    cpu_quota: '0',
    cpu_shares: '0',
    memory_limit_in_bytes: '0',
    oom_score_adj: '0',
    cpuset_cpus: '',
    cpuset_mems: '',
    hugepage_limits: [],
    unified: {},
    memory_swap_limit_in_bytes: '0',
    ...over,
  };
}

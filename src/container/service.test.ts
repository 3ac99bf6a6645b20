// The service's bookkeeping with fakes for the runtime, snapshots, images and pods: recovery and
// reconciliation from exit files and runtime state, idempotent stop/remove, create rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../log/logger.js';
import { EventBus, type ContainerEvent } from '../events/bus.js';
import { emptyResources } from '../oci/spec/resources.js';
import { InvalidArgumentError, OciRuntimeError } from '../errors/catalog.js';
import { ContainerService } from './service.js';
import { exitDir } from './paths.js';
import type { OciRuntime, OciState, CreateOptions } from '../oci/runtime.js';
import type { ContainerRecord } from './types.js';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import { fakePodView, NoSessions } from './test-fakes.js';
import { tempDir } from '../util/test-temp-dir.js';
import { deadPid } from '../util/test-dead-pid.js';

// PIDs no process has: a recorded PID that is alive counts as the container still running.
const GONE_PID = deadPid();

class FakeRuntime extends NoSessions implements OciRuntime {
  readonly name = 'fake';
  states = new Map<string, OciState>();
  calls: string[] = [];
  failCreate = false;
  constructor(private readonly exitDir: () => string) {
    super();
  }
  async create(o: CreateOptions): Promise<OciState> {
    this.calls.push(`create ${o.id}`);
    if (this.failCreate) throw new OciRuntimeError('create failed', 1, 'exec: no such file');
    const s: OciState = { id: o.id, status: 'created', pid: GONE_PID, bundle: o.bundle };
    this.states.set(o.id, s);
    return s;
  }
  async start(id: string) {
    this.calls.push(`start ${id}`);
    this.states.get(id)!.status = 'running';
  }
  async kill(id: string, signal: string) {
    this.calls.push(`kill ${id} ${signal}`);
    // The "container" dies at once and conmon reports it.
    writeFileSync(join(this.exitDir(), id), signal === 'SIGKILL' ? '137' : '143');
    const s = this.states.get(id);
    if (s) s.status = 'stopped';
  }
  async delete(id: string) {
    this.calls.push(`delete ${id}`);
    this.states.delete(id);
  }
  broken = false;
  async state(id: string) {
    if (this.broken) throw new OciRuntimeError('runc state failed', 1, 'exec format error');
    return this.states.get(id);
  }
  async update() {}
}

function setup() {
  const dir = tempDir('ctr-svc-');
  const config = configSchema.parse({ root: join(dir, 'root'), run_root: join(dir, 'run') });
  const events: ContainerEvent[] = [];
  const bus = new EventBus();
  bus.subscribe((e) => events.push(e));
  const removed: string[] = [];
  const rt = new FakeRuntime(() => exitDir(config));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  const deps = {
    config,
    log: silentLogger(),
    events: bus,
    images: { resolve: (ref: string) => (ref === 'busybox' ? { id: 'sha256:img', repoTags: [], repoDigests: [], size: 1, config: { Cmd: ['sh'] }, chainIds: ['sha256:l1'], createdAt: '' } : undefined) },
    snapshots: {
      prepare: async () => ({ target: rootfs, lowerDirs: [], upperDir: '', workDir: '' }),
      mount: async () => ({ target: rootfs, lowerDirs: [], upperDir: '', workDir: '' }),
      unmount: async () => undefined,
      remove: async (k: string) => void removed.push(k),
      usage: async () => ({ bytes: 0, inodes: 0 }),
      activeKeys: async () => [],
    },
    pods: {
      get: (id: string) =>
        (id === 'pod1' ? fakePodView() : id === 'privpod' ? fakePodView({ id: 'privpod', privileged: true }) : undefined),
    },
    runtime: () => rt,
  };
  const svc = new ContainerService(deps);
  return { dir, config, svc, rt, events, removed, deps, close: async () => { await svc.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function record(id: string, state: ContainerRecord['status']['state'], bundle: string): ContainerRecord {
  return {
    meta: {
      id, podId: 'pod1', name: id, attempt: 0, image: 'busybox', imageAnnotations: {}, imageId: 'sha256:img', imageRef: 'sha256:img', labels: {},
      annotations: {}, logPath: '', tty: false, stdin: false, stdinOnce: false, mounts: [], user: { uid: 0, gid: 0, additionalGids: [0] },
      stopSignal: 'SIGTERM', runtimeHandler: 'runc', bundle, rootfs: '/r', cgroupsPath: '/rktlet/pod1/' + id, createdAtNs: '1000',
    },
    status: { state, pid: GONE_PID, startedAtNs: state === 'created' ? '0' : '2000', finishedAtNs: '0', exitCode: 0, reason: '', message: '', resources: emptyResources() },
  };
}

function req(name: string, command: string[]): CreateContainerRequest__Output {
  return {
    pod_sandbox_id: 'pod1',
    config: { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command, args: [], working_dir: '', envs: [], mounts: [], devices: [], labels: {}, annotations: {}, log_path: '', stdin: false, stdin_once: false, tty: false, linux: null, windows: null, CDI_devices: [], stop_signal: 'RUNTIME_DEFAULT' },
    sandbox_config: null,
  } as unknown as CreateContainerRequest__Output;
}

test('recover: exits recorded while away, lost processes, survivors, unfinished removals', async () => {
  const t = setup();
  try {
    const b = join(t.dir, 'b');
    mkdirSync(b);
    await t.svc.store.recover();
    await t.svc.store.add(record('exited-away', 'running', b));
    await t.svc.store.add(record('lost', 'running', b));
    await t.svc.store.add(record('alive', 'running', b));
    await t.svc.store.add({ ...record('half-removed', 'exited', b), status: { ...record('x', 'exited', b).status, removing: true } });
    t.rt.states.set('alive', { id: 'alive', status: 'running', pid: GONE_PID, bundle: b });
    mkdirSync(exitDir(t.config), { recursive: true });
    writeFileSync(join(exitDir(t.config), 'exited-away'), '5');

    await t.svc.recover();
    assert.equal(t.svc.store.get('exited-away').status.state, 'exited');
    assert.equal(t.svc.store.get('exited-away').status.exitCode, 5);
    assert.equal(t.svc.store.get('exited-away').status.reason, 'Error');
    assert.equal(t.svc.store.get('lost').status.state, 'exited');
    assert.equal(t.svc.store.get('lost').status.exitCode, 255);
    assert.match(t.svc.store.get('lost').status.message, /no exit code/);
    assert.equal(t.svc.store.get('alive').status.state, 'running');
    assert.equal(t.svc.store.find('half-removed'), undefined);
    assert.deepEqual(t.removed, ['half-removed']);
    assert.deepEqual(t.events.map((e) => [e.type, e.containerId]).sort(), [
      ['CONTAINER_DELETED_EVENT', 'half-removed'],
      ['CONTAINER_STOPPED_EVENT', 'exited-away'],
      ['CONTAINER_STOPPED_EVENT', 'lost'],
    ]);
  } finally {
    await t.close();
  }
});

test('create writes the bundle and record; a runtime failure rolls everything back', async () => {
  const t = setup();
  try {
    await t.svc.recover();
    const id = await t.svc.create(req('ok', ['true']));
    const r = t.svc.store.get(id);
    assert.equal(r.status.state, 'created');
    assert.equal(r.status.pid, GONE_PID);
    assert.equal(r.meta.cgroupsPath, `/rktlet/pod1/${id}`);
    assert.ok(existsSync(join(r.meta.bundle, 'config.json')));

    t.rt.failCreate = true;
    await assert.rejects(t.svc.create(req('bad', ['nope'])), OciRuntimeError);
    assert.equal(t.svc.store.list().length, 1);
    assert.equal(t.removed.length, 1, 'the writable layer is removed');
    t.rt.failCreate = false;
    await t.svc.create(req('bad', ['true']));
  } finally {
    await t.close();
  }
});

test('stop is idempotent and escalates; remove of a created container kills it first', async () => {
  const t = setup();
  try {
    await t.svc.recover();
    const id = await t.svc.create(req('c', ['true']));
    await t.svc.remove(id);
    assert.deepEqual(t.rt.calls.filter((c) => !c.startsWith('create')), [`kill ${id} SIGKILL`, `delete ${id}`]);
    assert.equal(t.svc.store.find(id), undefined);
    await t.svc.remove(id);

    const id2 = await t.svc.create(req('d', ['true']));
    await t.svc.store.updateStatus(id2, (s) => ({ ...s, state: 'running' }));
    await t.svc.stop(id2, 5);
    assert.equal(t.svc.store.get(id2).status.exitCode, 143);
    const n = t.rt.calls.length;
    await t.svc.stop(id2, 5);
    assert.equal(t.rt.calls.length, n, 'a second stop does nothing');
  } finally {
    await t.close();
  }
});

test('a runtime that cannot answer makes a container UNKNOWN, not exited; it comes back', async () => {
  const t = setup();
  try {
    const b = join(t.dir, 'b');
    mkdirSync(b);
    await t.svc.store.recover();
    await t.svc.store.add(record('c', 'running', b));
    t.rt.states.set('c', { id: 'c', status: 'running', pid: GONE_PID, bundle: b });
    t.rt.broken = true;
    await t.svc.recover();
    assert.equal(t.svc.store.get('c').status.state, 'unknown');
    assert.match(t.svc.store.get('c').status.message, /exec format error/);
    t.rt.broken = false;
    await t.svc['reconcile']('c'); // what the poller does every 2 s
    assert.equal(t.svc.store.get('c').status.state, 'running');
    assert.equal(t.svc.store.get('c').status.startedAtNs, '2000', 'the start time is kept');
    assert.equal(t.svc.store.get('c').status.message, '');
  } finally {
    await t.close();
  }
});

test('a privileged container only in a privileged pod: refused before any work starts', async () => {
  const t = setup();
  try {
    await t.svc.recover();
    const privileged = (pod: string) => ({ ...req('p', ['true']), pod_sandbox_id: pod, config: { ...req('p', ['true']).config!, linux: { security_context: { privileged: true } } } }) as unknown as CreateContainerRequest__Output;
    await assert.rejects(t.svc.create(privileged('pod1')), (e: unknown) => e instanceof InvalidArgumentError && /no privileged container allowed in sandbox pod1/.test(e.message));
    assert.deepEqual([t.svc.store.list().length, t.rt.calls, t.removed], [0, [], []], 'no record, runtime call or snapshot');
    const id = await t.svc.create(privileged('privpod'));
    assert.equal(t.svc.store.get(id).meta.podId, 'privpod');
  } finally {
    await t.close();
  }
});

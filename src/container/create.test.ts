// CreateContainer's steps with fakes for the runtime, snapshots, images and pods: the bundle files,
// and a rollback that waits for steps still running (the root filesystem and the host's facts are
// prepared at the same time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../log/logger.js';
import { EventBus } from '../events/bus.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { ContainerService } from './service.js';
import type { OciRuntime, OciState, CreateOptions } from '../oci/runtime.js';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import { fakePodView, NoSessions } from './test-fakes.js';

function setup(o: { layers?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ctr-create-'));
  const config = configSchema.parse({ root: join(dir, 'root'), run_root: join(dir, 'run') });
  const steps: string[] = [];
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\napp:x:1000:\n');
  // With layers: the image's files are in a layer (and the root filesystem has none until mounted).
  const layer = join(dir, 'layer');
  if (o.layers) {
    mkdirSync(join(layer, 'etc'), { recursive: true });
    writeFileSync(join(layer, 'etc', 'passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
    writeFileSync(join(layer, 'etc', 'group'), 'app:x:1000:\n');
    rmSync(join(rootfs, 'etc'), { recursive: true });
  }
  const mountFor = { target: rootfs, lowerDirs: o.layers ? [layer] : [], upperDir: '', workDir: '' };
  const bundles = join(dir, 'root', 'containers');
  const rt: OciRuntime = {
    ...new NoSessions(),
    name: 'fake',
    async create(o: CreateOptions): Promise<OciState> {
      steps.push('runtime create');
      // What the runtime reads: the bundle's config.json, complete.
      JSON.parse(readFileSync(join(o.bundle, 'config.json'), 'utf8'));
      return { id: o.id, status: 'created', pid: 4321, bundle: o.bundle };
    },
    async start() {},
    async kill() {},
    async delete() {
      steps.push('runtime delete');
    },
    async state() {
      return undefined;
    },
    async update() {},
  };
  const deps = {
    config,
    log: silentLogger(),
    events: new EventBus(),
    images: {
      resolve: (ref: string) =>
        ref === 'app' ? { id: 'sha256:img', repoTags: [], repoDigests: [], size: 1, config: { Cmd: ['sh'], User: 'app' }, chainIds: ['sha256:l1'], createdAt: '' } : undefined,
    },
    snapshots: {
      prepare: async () => mountFor,
      mount: async () => {
        if (o.layers) {
          // Finishes only once config.json exists: create must not wait for the mount to write it.
          for (let i = 0; i < 200 && !hasConfig(bundles); i++) await sleep(10);
          steps.push(hasConfig(bundles) ? 'mounted after config.json' : 'mounted, no config.json yet');
          return mountFor;
        }
        await sleep(50); // slower than the host step that fails below
        steps.push('mounted');
        return mountFor;
      },
      unmount: async () => undefined,
      remove: async () => void steps.push('snapshot removed'),
      usage: async () => ({ bytes: 0, inodes: 0 }),
      activeKeys: async () => [],
    },
    pods: {
      get: (id: string) =>
        (id === 'pod1' ? fakePodView({ logDirectory: join(dir, 'logs') }) : undefined),
    },
    runtime: () => rt,
  };
  const svc = new ContainerService(deps);
  return { dir, svc, steps, close: async () => { await svc.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function hasConfig(containersDir: string): boolean {
  try {
    return readdirSync(containersDir).some((id) => existsSync(join(containersDir, id, 'bundle', 'config.json')));
  } catch {
    return false;
  }
}

function req(name: string, linux: unknown = null): CreateContainerRequest__Output {
  return {
    pod_sandbox_id: 'pod1',
    config: {
      metadata: { name, attempt: 0 }, image: { image: 'app', annotations: {} }, command: ['sleep', '1'], args: [], working_dir: '', envs: [], mounts: [], devices: [],
      labels: {}, annotations: {}, log_path: `${name}/0.log`, stdin: false, stdin_once: false, tty: false, linux, windows: null, CDI_devices: [], stop_signal: 'RUNTIME_DEFAULT',
    },
    sandbox_config: null,
  } as unknown as CreateContainerRequest__Output;
}

test('create: record, complete config.json (no temp files left), user from the image, log directory, pid', async () => {
  const t = setup();
  try {
    await t.svc.store.recover();
    const id = await t.svc.create(req('c1'));
    const r = t.svc.store.get(id);
    assert.equal(r.status.state, 'created');
    assert.equal(r.status.pid, 4321);
    assert.deepEqual(r.meta.user, { uid: 1000, gid: 1000, additionalGids: [1000], username: 'app' });
    assert.deepEqual(readdirSync(r.meta.bundle), ['config.json']);
    const spec = JSON.parse(readFileSync(join(r.meta.bundle, 'config.json'), 'utf8')) as { process: { user: { uid: number } }; root: { path: string } };
    assert.equal(spec.process.user.uid, 1000);
    assert.equal(spec.root.path, join(t.dir, 'rootfs'));
    assert.deepEqual(readdirSync(join(t.dir, 'logs')), ['c1']);
    assert.deepEqual(t.steps, ['mounted', 'runtime create']);
  } finally {
    await t.close();
  }
});

test('create: a failing host step rolls back only after the root filesystem step settled; the name is free again', async () => {
  const t = setup();
  try {
    await t.svc.store.recover();
    const bad = { security_context: { seccomp: { profile_type: 'Localhost', localhost_ref: join(t.dir, 'no-such-profile.json') } } };
    await assert.rejects(t.svc.create(req('c1', bad)), InvalidArgumentError);
    // The mount (slower) finished before the snapshot was removed; the runtime was never asked.
    assert.deepEqual(t.steps, ['mounted', 'snapshot removed']);
    assert.equal(t.svc.store.list().length, 0);
    const id = await t.svc.create(req('c1'));
    assert.equal(t.svc.store.get(id).meta.name, 'c1');
  } finally {
    await t.close();
  }
});

test('create: the user comes from the layers, so config.json is written while the overlay still mounts', async () => {
  const t = setup({ layers: true });
  try {
    await t.svc.store.recover();
    const id = await t.svc.create(req('c1'));
    assert.deepEqual(t.svc.store.get(id).meta.user, { uid: 1000, gid: 1000, additionalGids: [1000], username: 'app' });
    assert.deepEqual(t.steps, ['mounted after config.json', 'runtime create']);
  } finally {
    await t.close();
  }
});

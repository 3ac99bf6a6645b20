// What the runtime reports it can do, and that it does it, through the gRPC socket (issue 18,
// part 3): Status's handler and runtime features; recursive read-only mounts (a submount under the
// volume is read-only inside the container, with runc and crun); the Strict supplemental groups
// policy and the groups ContainerStatus reports; image volumes (content read-only, sub paths, the
// image kept while used, across a daemon restart, unmounted at removal); CDI devices from spec
// files (JSON and YAML); and requests the runtime cannot honour refused with their codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerEnv, createContainer, grpcError, runPod, status, waitExited, type ContainerEnv } from '../helpers/container-env.js';
import { TestDaemon } from '../helpers/daemon.js';
import { pushImage } from '../helpers/registry.js';
import { buildLayer } from '../fixtures/tar-layer.js';
import { buildImage } from '../fixtures/oci-image.js';

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

let env: ContainerEnv;
let podId: string;
let crunPodId: string;
let cdiDir: string;
const hostDirs: string[] = [];
const submounts: string[] = [];
const dataRef = () => `${env.reg.host}/library/data:1`;

// Three handlers: runc and crun as shipped, and crun without its hybrid-cgroup wrapper, which
// cannot run containers on this cgroup v1 host: its features must say so.
const handlersToml = (cdi: string) =>
  [
    '[runtime]',
    `cdi_spec_dirs = ["${cdi}/none", "${cdi}"]`,
    '[runtime.handlers.runc]',
    'path = "/usr/sbin/runc"',
    '[runtime.handlers.crun]',
    'path = "/usr/bin/crun"',
    'hide_unified_cgroup = true',
    '[runtime.handlers.crun-nowrapper]',
    'path = "/usr/bin/crun"',
    'hide_unified_cgroup = false',
    '',
  ].join('\n');

before(async () => {
  cdiDir = mkdtempSync(join(tmpdir(), 'rktlet-cdi-'));
  writeFileSync(
    join(cdiDir, 'test.json'),
    JSON.stringify({
      cdiVersion: '0.6.0',
      kind: 'rktlet.test/dev',
      containerEdits: { env: ['CDI_COMMON=1'], additionalGids: [4242] },
      devices: [{ name: 'null0', containerEdits: { env: ['CDI_DEVICE=null0'], deviceNodes: [{ path: '/dev/rktlet-null', hostPath: '/dev/null' }] } }],
    }),
  );
  writeFileSync(
    join(cdiDir, 'test.yaml'),
    ['cdiVersion: "0.6.0"', 'kind: rktlet.test/yaml', 'devices:', '  - name: zero', '    containerEdits:', '      env: ["CDI_YAML=zero"]', '      deviceNodes:', '        - path: /dev/rktlet-zero', '          hostPath: /dev/zero', ''].join('\n'),
  );
  const data1 = await buildLayer([
    { name: 'data/', type: 'directory' },
    { name: 'data/hello.txt', content: 'hello from an image volume\n' },
    { name: 'escape', type: 'symlink', linkname: '/etc' },
  ]);
  const data2 = await buildLayer([{ name: 'data/second.txt', content: 'second layer\n' }]);
  env = await containerEnv({
    images: { 'library/alice:latest': { config: { User: 'alice' } } },
    daemon: { configToml: handlersToml(cdiDir) },
  });
  await pushImage(env.reg, 'library/data:1', buildImage({ layers: [data1, data2], config: {} }));
  await env.d.client.image('PullImage', { image: { image: dataRef() } });
  podId = (await runPod(env)).id;
  crunPodId = await podOf('crun');
});

after(async () => {
  await env?.close();
  for (const m of submounts) spawnSync('umount', ['-l', m]);
  for (const d of hostDirs.reverse()) rmSync(d, { recursive: true, force: true });
  rmSync(cdiDir, { recursive: true, force: true });
});

let handlerPods = 0;
/** A pod of a given runtime handler (the request's runtime_handler, beside its config). */
async function podOf(handler: string): Promise<string> {
  const name = `h${++handlerPods}-${process.pid}`;
  const r = await env.d.client.runtime('RunPodSandbox', {
    config: { metadata: { name, namespace: 'features', uid: `uid-${name}`, attempt: 0 }, log_directory: join(env.logRoot, name), hostname: name },
    runtime_handler: handler,
  });
  return r.pod_sandbox_id;
}

async function createIn(pod: string, config: Record<string, unknown>, image?: string): Promise<string> {
  return (await createContainer(env, pod, config, image)).id;
}

/** Runs `sh -c script` to completion in a new container; its output and exit code. */
async function run(pod: string, config: Record<string, unknown>, script: string, image?: string): Promise<{ out: string; code: number; id: string }> {
  const id = await createIn(pod, { command: ['sh', '-c', script], ...config }, image);
  await env.d.client.runtime('StartContainer', { container_id: id });
  const s = await waitExited(env, id);
  const out = readFileSync(s.log_path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(3).join(' '))
    .join('\n');
  return { out, code: s.exit_code, id };
}

/** A host dir with a tmpfs submount at sub/. */
function volumeWithSubmount(): string {
  const d = mkdtempSync(join(tmpdir(), 'rktlet-rro-'));
  hostDirs.push(d);
  mkdirSync(join(d, 'sub'));
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'rktlet-rro-test', join(d, 'sub')]).status, 0);
  submounts.push(join(d, 'sub'));
  return d;
}

const writeBoth = 'touch /vol/top 2>/dev/null && echo top=rw || echo top=ro; touch /vol/sub/below 2>/dev/null && echo sub=rw || echo sub=ro';

test('Status: every handler with its features (rro probed on this host), and the runtime features', async () => {
  const s = await env.d.client.runtime('Status', {});
  const byName = Object.fromEntries(s.runtime_handlers.map((h) => [h.name, h.features]));
  assert.deepEqual(Object.keys(byName).sort(), ['', 'crun', 'crun-nowrapper', 'runc']);
  assert.deepEqual(byName.runc, { recursive_read_only_mounts: true, user_namespaces: false });
  assert.deepEqual(byName.crun, { recursive_read_only_mounts: true, user_namespaces: true });
  assert.deepEqual(byName[''], byName.runc, 'the default handler');
  // crun without the wrapper cannot create a container here: nothing is claimed for it.
  assert.deepEqual(byName['crun-nowrapper'], { recursive_read_only_mounts: false, user_namespaces: false });
  assert.deepEqual(s.features, { supplemental_groups_policy: true, user_namespaces_host_network: false });
  // Verbose Status says why a handler lacks a feature: what its probe found.
  const why = JSON.parse((await env.d.client.runtime('Status', { verbose: true })).info.handlerFeatures!) as Record<string, string>;
  assert.match(why['crun-nowrapper']!, /could not create the probe container: .*cgroups in hybrid mode/);
  assert.match(why.runc!, /runc cannot run a container in a pod's user namespace: .*setns into net namespace/);
  assert.equal(why.crun, '');
});

test('recursive_read_only: the volume and its submount are read-only inside the container (runc and crun); plain readonly leaves the submount writable', async () => {
  const vol = volumeWithSubmount();
  const mount = { container_path: '/vol', host_path: vol, readonly: true };
  for (const pod of [podId, crunPodId]) {
    const rro = await run(pod, { mounts: [{ ...mount, recursive_read_only: true }] }, writeBoth);
    assert.equal(rro.out, 'top=ro\nsub=ro', pod === podId ? 'runc' : 'crun');
    const st = await status(env, rro.id);
    assert.equal(st.status?.mounts[0]?.recursive_read_only, true);
  }
  const plain = await run(podId, { mounts: [mount] }, writeBoth);
  assert.equal(plain.out, 'top=ro\nsub=rw', 'a plain read-only bind: what rro is for');
});

test('recursive_read_only refusals: writable, propagated, or on a handler that cannot', async () => {
  const vol = volumeWithSubmount();
  const rw = await grpcError(createIn(podId, { command: ['true'], mounts: [{ container_path: '/vol', host_path: vol, recursive_read_only: true }] }));
  assert.equal(rw?.code, INVALID_ARGUMENT);
  assert.match(rw!.details, /recursive_read_only needs readonly/);
  const prop = await grpcError(
    createIn(podId, { command: ['true'], mounts: [{ container_path: '/vol', host_path: vol, readonly: true, recursive_read_only: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }] }),
  );
  assert.equal(prop?.code, INVALID_ARGUMENT);
  assert.match(prop!.details, /needs PROPAGATION_PRIVATE/);
  const weak = await podOf('crun-nowrapper');
  const no = await grpcError(createIn(weak, { command: ['true'], mounts: [{ container_path: '/vol', host_path: vol, readonly: true, recursive_read_only: true }] }));
  assert.equal(no?.code, FAILED_PRECONDITION);
  assert.match(no!.details, /"crun-nowrapper" does not support recursive read-only mounts/);
});

test('supplemental_groups_policy Strict: no groups from the image /etc/group; ContainerStatus reports the effective groups', async () => {
  const alice = `${env.reg.host}/library/alice:latest`;
  const sc = (policy: string) => ({ linux: { security_context: { supplemental_groups: ['5000'], supplemental_groups_policy: policy } } });
  const merge = await run(podId, sc('Merge'), 'id -G', alice);
  assert.equal(merge.out, '1000 10 100 5000');
  const strict = await run(podId, sc('Strict'), 'id -G', alice);
  assert.equal(strict.out, '1000 5000', 'wheel (10) and users (100) come from the image /etc/group');
  assert.deepEqual((await status(env, strict.id)).status?.user?.linux, { uid: '1000', gid: '1000', supplemental_groups: ['1000', '5000'] });
  const bad = await grpcError(createIn(podId, { command: ['true'], linux: { security_context: { supplemental_groups_policy: 7 } } }));
  assert.equal(bad?.code, INVALID_ARGUMENT);
});

test('image volumes: the image root read-only (and a sub path), reported in ContainerStatus, kept while used, across a restart', async () => {
  const mounts = [
    { container_path: '/data', image: { image: dataRef() }, readonly: true },
    { container_path: '/sub', image: { image: dataRef() }, image_sub_path: 'data', readonly: true },
  ];
  const r = await run(podId, { mounts }, 'cat /data/data/hello.txt /sub/second.txt; touch /data/x 2>/dev/null && echo rw || echo ro');
  assert.equal(r.out, 'hello from an image volume\nsecond layer\nro', 'both layers, read-only');
  const st = (await status(env, r.id)).status!;
  const img = (await env.d.client.image('ImageStatus', { image: { image: dataRef() } })).image!;
  assert.equal(st.mounts[1]?.image?.image, dataRef());
  assert.equal(st.mounts[1]?.image?.image_ref, img.id);
  assert.equal(st.mounts[1]?.image_sub_path, 'data');
  assert.equal(st.mounts[1]?.readonly, true);

  // A running user of the image; RemoveImage then keeps it (without names) until the container goes.
  const live = await createIn(podId, { command: ['sleep', '3600'], mounts: [mounts[0]] });
  await env.d.client.runtime('StartContainer', { container_id: live });
  await env.d.client.runtime('RemoveContainer', { container_id: r.id });
  await env.d.client.image('RemoveImage', { image: { image: dataRef() } });
  const held = (await env.d.client.image('ListImages', {})).images.find((i) => i.id === img.id);
  assert.ok(held, 'the image a volume uses is kept');
  assert.deepEqual(held.repo_tags, []);

  // The daemon restarts: the volume is still there for the container, and its removal cleans up.
  await env.d.stop();
  env.d = await TestDaemon.start({ dirs: env.d.dirs });
  const ex = await env.d.client.runtime('ExecSync', { container_id: live, cmd: ['cat', '/data/data/second.txt'], timeout: '20' });
  assert.equal(Buffer.from(ex.stdout).toString(), 'second layer\n');
  const volMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(`/snapshots/active/${live}/volumes/`));
  assert.equal(volMounts().length, 1);
  await env.d.client.runtime('StopContainer', { container_id: live, timeout: '0' });
  await env.d.client.runtime('RemoveContainer', { container_id: live });
  assert.deepEqual(volMounts(), [], 'unmounted with its container');
  assert.equal((await env.d.client.image('ListImages', {})).images.find((i) => i.id === img.id), undefined, 'the held image goes with its last user');
  await env.d.client.image('PullImage', { image: { image: dataRef() } });
});

test('image volume refusals: writable, with a host path, not pulled, a missing or escaping sub path', async () => {
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ container_path: '/data', image: { image: dataRef() } }, INVALID_ARGUMENT, /an image mount is read-only/],
    [{ container_path: '/data', image: { image: dataRef() }, host_path: '/tmp', readonly: true }, INVALID_ARGUMENT, /an image mount has no host_path/],
    [{ container_path: '/data', image: { image: `${env.reg.host}/library/never:1` }, readonly: true }, NOT_FOUND, /not found: pull it first/],
    [{ container_path: '/data', image: { image: dataRef() }, image_sub_path: 'nothing/here', readonly: true }, INVALID_ARGUMENT, /sub path "nothing\/here" does not exist/],
    [{ container_path: '/data', image: { image: dataRef() }, image_sub_path: '../etc', readonly: true }, INVALID_ARGUMENT, /image_sub_path/],
    // escape -> /etc: resolved inside the image (which has no /etc), never the host's /etc.
    [{ container_path: '/data', image: { image: dataRef() }, image_sub_path: 'escape', readonly: true }, INVALID_ARGUMENT, /sub path "escape" does not exist/],
  ];
  const before = (await env.d.client.runtime('ListContainers', {})).containers.length;
  for (const [m, code, msg] of cases) {
    const err = await grpcError(createIn(podId, { command: ['true'], mounts: [m] }));
    assert.equal(err?.code, code, JSON.stringify(m));
    assert.match(err!.details, msg);
  }
  assert.equal((await env.d.client.runtime('ListContainers', {})).containers.length, before, 'nothing made');
});

test('CDI devices: device nodes, env and groups from JSON and YAML specs (field and annotation); unknown or malformed names refused', async () => {
  const r = await run(
    podId,
    { CDI_devices: [{ name: 'rktlet.test/dev=null0' }], annotations: { 'cdi.k8s.io/test': 'rktlet.test/yaml=zero' } },
    'ls -l /dev/rktlet-null /dev/rktlet-zero | cut -c1; echo $CDI_COMMON $CDI_DEVICE $CDI_YAML; id -G; echo x > /dev/rktlet-null && head -c 3 /dev/rktlet-zero | wc -c',
  );
  assert.equal(r.out, 'c\nc\n1 null0 zero\n0 4242\n3');
  assert.deepEqual((await status(env, r.id)).status?.user?.linux?.supplemental_groups, ['0', '4242']);
  const unknown = await grpcError(createIn(podId, { command: ['true'], CDI_devices: [{ name: 'rktlet.test/dev=nope' }] }));
  assert.equal(unknown?.code, NOT_FOUND);
  assert.match(unknown!.details, /CDI device rktlet.test\/dev=nope is not defined/);
  const bad = await grpcError(createIn(podId, { command: ['true'], CDI_devices: [{ name: 'no-kind' }] }));
  assert.equal(bad?.code, INVALID_ARGUMENT);
});

test('what the runtime cannot honour is refused: user namespaces on runc or with an infra, ID-mapped mounts; SELinux relabel is a no-op without SELinux', async () => {
  const userns = { namespace_options: { userns_options: { mode: 'POD', uids: [{ host_id: 100000, container_id: 0, length: 65536 }], gids: [{ host_id: 100000, container_id: 0, length: 65536 }] } } };
  const pod = await grpcError(runPod(env, { linux: { security_context: userns } }));
  assert.equal(pod?.code, FAILED_PRECONDITION);
  assert.match(pod!.details, /user namespaces .* pods without an infra process only/); // pid unsaid is POD on the wire
  const shared = { namespace_options: { ...userns.namespace_options, pid: 'CONTAINER' } };
  const onRunc = await grpcError(runPod(env, { linux: { security_context: shared } }));
  assert.equal(onRunc?.code, FAILED_PRECONDITION);
  assert.match(onRunc!.details, /do not work with runtime handler runc/);
  const ctr = await grpcError(createIn(podId, { command: ['true'], linux: { security_context: userns } }));
  assert.equal(ctr?.code, FAILED_PRECONDITION);
  const vol = mkdtempSync(join(tmpdir(), 'rktlet-idmap-'));
  hostDirs.push(vol);
  const idmap = await grpcError(createIn(podId, { command: ['true'], mounts: [{ container_path: '/vol', host_path: vol, uidMappings: [{ host_id: 1000, container_id: 0, length: 1 }] }] }));
  assert.equal(idmap?.code, FAILED_PRECONDITION);
  assert.match(idmap!.details, /ID-mapped volume mounts/);
  // This host has no SELinux: as containerd and CRI-O, nothing to relabel; the request is recorded.
  const relabel = await createIn(podId, { command: ['true'], mounts: [{ container_path: '/vol', host_path: vol, selinux_relabel: true }] });
  assert.equal((await status(env, relabel)).status?.mounts[0]?.selinux_relabel, true);
});

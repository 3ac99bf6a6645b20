// Hostile requests on every CRI RPC (the list comes from src/cri/registry.ts and the proto): ids,
// names, paths, sizes and enum values chosen to hurt. Each must get a fitting gRPC code (never
// INTERNAL/UNKNOWN, never a dead daemon), a canary pod and container keep running unchanged, and
// nothing is written outside the state roots and the pods' log directories: a sentinel tree of
// the test's own and the test's dirs are snapshotted before and after, and /, /tmp, /etc and
// /var/log are checked for new entries named like the hostile inputs.
// First a table of chosen cases, then a seeded random generator over every field of every request
// (test/helpers/hostile-values.ts): the seed is printed, HOSTILE_SEED=<n> replays it,
// HOSTILE_CASES=<n> sets how many (default 1000, about 15 s; the loop stops at 70 s whatever the count).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Grpc } from '@grpc/grpc-js';
import { containerEnv, type ContainerEnv } from '../helpers/container-env.js';
import { CriClient } from '../../src/client/cri-client.js';
import { runtimeHandlers, imageHandlers } from '../../src/cri/registry.js';
import { STREAMING_RPCS } from '../../src/cri/handler.js';
import { HUGE, MARK, criRoot, describe, hostileStrings, mutate, requestType } from '../helpers/hostile-values.js';
import { seededRandom } from '../helpers/seeded-random.js';

let env: ContainerEnv;
let outside: string; // a tree of the test's own that hostile paths aim at: must stay as it is
let canary: { pod: string; ctr: string; pid: number; startedAt: string; ip: string; podJson: string };
let victim: { pod: string; ctr: string }; // target of the non-destructive RPCs with hostile fields

/** Codes that never fit a refusal of bad input: the runtime failed on it, or died. */
const NEVER_OK = new Set([Grpc.INTERNAL, Grpc.UNKNOWN, Grpc.DATA_LOSS]);

/** UNAVAILABLE fits only a registry that cannot be reached. */
function unfit(rpc: string, r: { code: Grpc; details: string }): boolean {
  if (NEVER_OK.has(r.code)) return true;
  return r.code === Grpc.UNAVAILABLE && !(rpc === 'PullImage' && /unreachable/.test(r.details));
}

type Service = 'RuntimeService' | 'ImageService';
const RUNTIME_RPCS = criRoot().lookupService('runtime.v1.RuntimeService').methodsArray.map((m) => m.name);
const IMAGE_RPCS = criRoot().lookupService('runtime.v1.ImageService').methodsArray.map((m) => m.name);
function serviceOf(rpc: string): Service {
  return IMAGE_RPCS.includes(rpc) ? 'ImageService' : 'RuntimeService';
}

/** One call through the socket: its gRPC code and details (streams are read to the end). */
async function call(rpc: string, req: unknown, timeoutMs = 15_000): Promise<{ code: Grpc; details: string; res?: unknown }> {
  const c = env.d.client as unknown as {
    runtime: (m: string, r: unknown, o: object) => Promise<unknown>;
    image: (m: string, r: unknown, o: object) => Promise<unknown>;
    runtimeStream: (m: string, r: unknown, o: object) => AsyncIterable<unknown> & { cancel(): void };
    imageStream: (m: string, r: unknown, o: object) => AsyncIterable<unknown> & { cancel(): void };
  };
  const svc = serviceOf(rpc);
  try {
    if ((STREAMING_RPCS as readonly string[]).includes(rpc)) {
      const s = svc === 'ImageService' ? c.imageStream(rpc, req, { timeoutMs }) : c.runtimeStream(rpc, req, { timeoutMs });
      // Endless streams (events, stats streams of nothing) are read for a moment only.
      const items: unknown[] = [];
      const stop = setTimeout(() => s.cancel(), rpc === 'GetContainerEvents' ? 200 : 3000);
      try {
        for await (const x of s) items.push(x);
      } finally {
        clearTimeout(stop);
      }
      return { code: Grpc.OK, details: '', res: items };
    }
    const res = svc === 'ImageService' ? await c.image(rpc, req, { timeoutMs }) : await c.runtime(rpc, req, { timeoutMs });
    return { code: Grpc.OK, details: '', res };
  } catch (err) {
    const e = err as { code?: number; details?: string; message?: string };
    if (e.code === Grpc.CANCELLED && (STREAMING_RPCS as readonly string[]).includes(rpc)) return { code: Grpc.OK, details: 'stream read for a moment' };
    return { code: e.code ?? Grpc.UNKNOWN, details: e.details ?? e.message ?? String(err) };
  }
}

/** Whether an error is the client's own (a value protobufjs cannot encode): not the daemon's answer. */
function clientSide(r: { code: Grpc; details: string }): boolean {
  return r.code === Grpc.INTERNAL && /serialization failure/i.test(r.details);
}

// --- what must not change -------------------------------------------------------------------

type Tree = Map<string, string>;
function snapshot(dir: string, skip: (p: string) => boolean, out: Tree = new Map()): Tree {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (skip(p)) continue;
    const st = lstatSync(p);
    out.set(p, `${st.mode}:${st.isDirectory() ? '' : st.size}:${st.isDirectory() ? '' : st.mtimeMs}`);
    if (st.isDirectory()) snapshot(p, skip, out);
  }
  return out;
}

/** The test's dirs minus the state roots and pod log dirs (pods here log under <logRoot>/pod-*). */
function outsideState(): Tree {
  const { root, runRoot } = env.d.dirs;
  const skip = (p: string) => p === root || p === runRoot || p.startsWith(join(env.logRoot, 'pod-'));
  const t = snapshot(env.d.dirs.base, skip);
  snapshot(outside, () => false, t);
  snapshot(env.logRoot, skip, t);
  return t;
}

const WATCHED = ['/', '/tmp', '/etc', '/var/log', '/dev/shm', '/run'];
function markedOnHost(): string[] {
  const found: string[] = [];
  for (const d of WATCHED) for (const n of existsSync(d) ? readdirSync(d) : []) if (n.includes(MARK)) found.push(join(d, n));
  return found;
}

function diff(a: Tree, b: Tree): string[] {
  const out: string[] = [];
  for (const [k, v] of b) if (a.get(k) !== v) out.push(`${a.has(k) ? 'changed' : 'new'} ${k}`);
  for (const k of a.keys()) if (!b.has(k)) out.push(`gone ${k}`);
  return out;
}

let treeBefore: Tree;
let hostBefore: string[];

async function canaryState() {
  const ps = await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: canary.pod });
  const cs = await env.d.client.runtime('ContainerStatus', { container_id: canary.ctr, verbose: true });
  const pid = (JSON.parse(cs.info.info!) as { pid: number }).pid;
  return { podState: ps.status?.state, ip: ps.status?.network?.ip ?? '', state: cs.status?.state, pid, startedAt: cs.status?.started_at ?? '' };
}

async function assertCanaryIntact(after: string): Promise<void> {
  const s = await canaryState();
  assert.deepEqual(s, { podState: 'SANDBOX_READY', ip: canary.ip, state: 'CONTAINER_RUNNING', pid: canary.pid, startedAt: canary.startedAt }, `canary changed after ${after}`);
  assert.ok(existsSync(`/proc/${canary.pid}`), `canary process gone after ${after}`);
  assert.equal(readFileSync(join(env.d.dirs.root, 'pods', canary.pod, 'pod.json'), 'utf8'), canary.podJson, `canary pod record changed after ${after}`);
}

/** Pods and containers a hostile call made (it was accepted): removed, so the next case starts clean. */
async function sweep(): Promise<void> {
  const keep = new Set([canary.pod, victim.pod]);
  for (const p of (await env.d.client.runtime('ListPodSandbox', {})).items) {
    if (!keep.has(p.id)) await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: p.id });
  }
  const keepC = new Set([canary.ctr, victim.ctr]);
  for (const c of (await env.d.client.runtime('ListContainers', {})).containers) {
    if (!keepC.has(c.id)) await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  }
  // The victim may have been stopped or updated by a case: made again when it is not running.
  const vs = await env.d.client.runtime('ContainerStatus', { container_id: victim.ctr }).catch(() => undefined);
  if (vs?.status?.state !== 'CONTAINER_RUNNING') await makeVictim();
}

let podSeq = 0;
function podCfg(name = `pod-${++podSeq}`) {
  return { metadata: { name, namespace: 'hostile', uid: `uid-${name}`, attempt: 0 }, log_directory: join(env.logRoot, name), hostname: name };
}
function ctrCfg(name: string, command = ['sleep', '3600']) {
  return { metadata: { name, attempt: 0 }, image: { image: env.image }, command, log_path: `${name}/0.log` };
}

async function makeVictim(): Promise<void> {
  if (victim?.pod) await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: victim.pod }).catch(() => undefined);
  const pod = (await env.d.client.runtime('RunPodSandbox', { config: podCfg() })).pod_sandbox_id;
  const ctr = (await env.d.client.runtime('CreateContainer', { pod_sandbox_id: pod, config: ctrCfg('victim'), sandbox_config: podCfg() })).container_id;
  await env.d.client.runtime('StartContainer', { container_id: ctr });
  victim = { pod, ctr };
}

before(async () => {
  env = await containerEnv();
  outside = mkdtempSync(join(tmpdir(), 'rktlet-hostile-outside-'));
  mkdirSync(join(outside, 'sub'));
  writeFileSync(join(outside, 'file'), 'sentinel');
  writeFileSync(join(outside, 'sub', 'pod.json'), '{"sentinel":true}');
  const pod = (await env.d.client.runtime('RunPodSandbox', { config: podCfg('pod-canary') })).pod_sandbox_id;
  const ctr = (await env.d.client.runtime('CreateContainer', { pod_sandbox_id: pod, config: ctrCfg('canary'), sandbox_config: podCfg('pod-canary') })).container_id;
  await env.d.client.runtime('StartContainer', { container_id: ctr });
  canary = { pod, ctr, pid: 0, startedAt: '', ip: '', podJson: readFileSync(join(env.d.dirs.root, 'pods', pod, 'pod.json'), 'utf8') };
  const s = await canaryState();
  Object.assign(canary, { pid: s.pid, startedAt: s.startedAt, ip: s.ip });
  await makeVictim();
  treeBefore = outsideState();
  hostBefore = markedOnHost();
});

after(async () => {
  await env?.close();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

// --- the table --------------------------------------------------------------------------------

interface Case {
  rpc: string;
  req: () => unknown;
  /** Codes that fit (OK where the CRI says so). */
  codes: Grpc[];
  msg?: RegExp;
  why: string;
}

const IA = Grpc.INVALID_ARGUMENT;
const NF = Grpc.NOT_FOUND;
const OK = Grpc.OK;

function cases(): Case[] {
  const { root, runRoot } = env.d.dirs;
  const trav = `../../${MARK}`;
  const nul = `${MARK}\0x`;
  const big = HUGE;
  const ids = [trav, nul, big, `${canary.pod.slice(0, 8)}/../${canary.pod}`, '%00', `${canary.ctr}\n`];
  const out: Case[] = [];
  const pod = (over: Record<string, unknown>, extra: Record<string, unknown> = {}) => () => ({ config: { ...podCfg(), ...over }, ...extra });
  const ctr = (over: Record<string, unknown>, linux?: Record<string, unknown>) => () => ({
    pod_sandbox_id: victim.pod,
    config: { ...ctrCfg(`c-${++podSeq}`), ...over, ...(linux ? { linux } : {}) },
    sandbox_config: podCfg(),
  });
  const meta = (name: string) => ({ metadata: { name, namespace: 'hostile', uid: `u-${podSeq}`, attempt: 0 } });

  // Ids on every RPC that takes one.
  for (const id of ids) {
    const d = describe(id);
    out.push({ rpc: 'StopPodSandbox', req: () => ({ pod_sandbox_id: id }), codes: [OK, IA], why: `unknown pod id ${d}: nothing to reclaim` });
    out.push({ rpc: 'RemovePodSandbox', req: () => ({ pod_sandbox_id: id }), codes: [OK, IA], why: `unknown pod id ${d}` });
    out.push({ rpc: 'PodSandboxStatus', req: () => ({ pod_sandbox_id: id, verbose: true }), codes: [NF, IA], why: `pod id ${d}` });
    out.push({ rpc: 'PodSandboxStats', req: () => ({ pod_sandbox_id: id }), codes: [NF, IA], why: `pod id ${d}` });
    out.push({ rpc: 'PortForward', req: () => ({ pod_sandbox_id: id, port: [80] }), codes: [NF, IA], why: `pod id ${d}` });
    out.push({ rpc: 'UpdatePodSandboxResources', req: () => ({ pod_sandbox_id: id, resources: {} }), codes: [NF, IA], why: `pod id ${d}` });
    out.push({ rpc: 'CreateContainer', req: () => ({ pod_sandbox_id: id, config: ctrCfg('x'), sandbox_config: podCfg() }), codes: [NF, IA], why: `pod id ${d}` });
    out.push({ rpc: 'StartContainer', req: () => ({ container_id: id }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'StopContainer', req: () => ({ container_id: id, timeout: '1' }), codes: [OK, IA], why: `unknown container id ${d}` });
    out.push({ rpc: 'RemoveContainer', req: () => ({ container_id: id }), codes: [OK, IA], why: `unknown container id ${d}` });
    out.push({ rpc: 'ContainerStatus', req: () => ({ container_id: id, verbose: true }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'ContainerStats', req: () => ({ container_id: id }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'UpdateContainerResources', req: () => ({ container_id: id, linux: {} }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'ReopenContainerLog', req: () => ({ container_id: id }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'ExecSync', req: () => ({ container_id: id, cmd: ['true'], timeout: '1' }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'Exec', req: () => ({ container_id: id, cmd: ['true'], stdout: true }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'Attach', req: () => ({ container_id: id, stdout: true }), codes: [NF, IA], why: `container id ${d}` });
    out.push({ rpc: 'CheckpointContainer', req: () => ({ container_id: id, location: `/tmp/${MARK}` }), codes: [Grpc.UNIMPLEMENTED], why: 'not offered' });
    out.push({ rpc: 'ListPodSandbox', req: () => ({ filter: { id, label_selector: { [id]: id } } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'ListContainers', req: () => ({ filter: { id, pod_sandbox_id: id, label_selector: { [id]: id } } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'ListContainerStats', req: () => ({ filter: { id, pod_sandbox_id: id } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'ListPodSandboxStats', req: () => ({ filter: { id } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'StreamPodSandboxes', req: () => ({ filter: { id } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'StreamContainers', req: () => ({ filter: { id } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'StreamContainerStats', req: () => ({ filter: { id } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'StreamPodSandboxStats', req: () => ({ filter: { id } }), codes: [OK], why: `filter ${d}` });
    out.push({ rpc: 'ImageStatus', req: () => ({ image: { image: id }, verbose: true }), codes: [OK, IA], why: `image ref ${d}` });
    out.push({ rpc: 'RemoveImage', req: () => ({ image: { image: id } }), codes: [OK, IA], why: `image ref ${d}` });
    out.push({ rpc: 'PullImage', req: () => ({ image: { image: id } }), codes: [IA, NF], why: `image ref ${d}` });
    out.push({ rpc: 'ListImages', req: () => ({ filter: { image: { image: id } } }), codes: [OK, IA], why: `filter ${d}` });
  }
  // Every other RPC with hostile fields.
  out.push(
    { rpc: 'Version', req: () => ({ version: big }), codes: [OK], why: 'huge version' },
    { rpc: 'Status', req: () => ({ verbose: true }), codes: [OK], why: 'verbose' },
    { rpc: 'RuntimeConfig', req: () => ({}), codes: [OK], why: 'plain' },
    { rpc: 'ImageFsInfo', req: () => ({}), codes: [OK], why: 'plain' },
    { rpc: 'ListMetricDescriptors', req: () => ({}), codes: [OK], why: 'plain' },
    { rpc: 'ListPodSandboxMetrics', req: () => ({}), codes: [OK], why: 'plain' },
    { rpc: 'StreamPodSandboxMetrics', req: () => ({}), codes: [OK], why: 'plain' },
    { rpc: 'StreamImages', req: () => ({ filter: { image: { image: trav } } }), codes: [OK, IA], why: 'filter traversal' },
    { rpc: 'GetContainerEvents', req: () => ({}), codes: [OK], why: 'stream' },
    { rpc: 'UpdateRuntimeConfig', req: () => ({ runtime_config: { network_config: { pod_cidr: `10.0.0.0/8\n${MARK}` } } }), codes: [IA], why: 'pod_cidr with a newline' },
    { rpc: 'UpdateRuntimeConfig', req: () => ({ runtime_config: { network_config: { pod_cidr: big } } }), codes: [IA], why: 'huge pod_cidr' },
    { rpc: 'PullImage', req: () => ({ image: { image: `127.0.0.1:99999/${MARK}:x` } }), codes: [IA], why: 'port out of range' },
    { rpc: 'PullImage', req: () => ({ image: { image: `127.0.0.1:1/${MARK}:x` } }), codes: [Grpc.UNAVAILABLE, NF, Grpc.FAILED_PRECONDITION], why: 'nothing listens: UNAVAILABLE names the registry' },
    { rpc: 'PullImage', req: () => ({ image: { image: `${env.reg.host}/library/${MARK}@sha256:${'0'.repeat(64)}` } }), codes: [NF], why: 'unknown digest' },
    { rpc: 'PullImage', req: () => ({ image: { image: env.image }, auth: { username: big, password: nul } }), codes: [OK, IA], why: 'huge credentials (anonymous registry)' },
    { rpc: 'PortForward', req: () => ({ pod_sandbox_id: victim.pod, port: [0] }), codes: [IA], why: 'port 0' },
    { rpc: 'PortForward', req: () => ({ pod_sandbox_id: victim.pod, port: [-1] }), codes: [IA], why: 'negative port' },
    { rpc: 'PortForward', req: () => ({ pod_sandbox_id: victim.pod, port: [70000] }), codes: [IA], why: 'port > 65535' },
    { rpc: 'ExecSync', req: () => ({ container_id: victim.ctr, cmd: [], timeout: '1' }), codes: [IA], why: 'no command' },
    { rpc: 'ExecSync', req: () => ({ container_id: victim.ctr, cmd: [nul], timeout: '1' }), codes: [IA, OK], why: 'NUL in the command' },
    { rpc: 'ExecSync', req: () => ({ container_id: victim.ctr, cmd: ['true'], timeout: '-1' }), codes: [OK, IA], why: 'negative timeout' },
    { rpc: 'ExecSync', req: () => ({ container_id: victim.ctr, cmd: ['true'], timeout: '9223372036854775807' }), codes: [OK, IA], why: 'overflowing timeout' },
    { rpc: 'Exec', req: () => ({ container_id: victim.ctr, cmd: [trav], stdout: true, tty: true, stderr: true }), codes: [IA], why: 'tty with stderr' },
    { rpc: 'StopContainer', req: () => ({ container_id: canary.ctr.slice(0, 3) === victim.ctr.slice(0, 3) ? 'zz' : 'zz', timeout: '-9223372036854775808' }), codes: [OK], why: 'negative timeout on an unknown id' },
    { rpc: 'UpdateContainerResources', req: () => ({ container_id: victim.ctr, linux: { cpu_shares: '-1' } }), codes: [IA], why: 'negative cpu_shares' },
    { rpc: 'UpdateContainerResources', req: () => ({ container_id: victim.ctr, linux: { memory_limit_in_bytes: '-5' } }), codes: [IA], why: 'negative memory limit' },
    { rpc: 'UpdateContainerResources', req: () => ({ container_id: victim.ctr, linux: { cpu_quota: '9223372036854775807', cpu_period: '-1' } }), codes: [IA], why: 'overflowing quota, negative period' },
    { rpc: 'UpdateContainerResources', req: () => ({ container_id: victim.ctr, linux: { unified: { [`../../${MARK}`]: '1' } } }), codes: [IA], why: 'unified key traversal' },
    { rpc: 'UpdateContainerResources', req: () => ({ container_id: victim.ctr, linux: { hugepage_limits: [{ page_size: `../${MARK}`, limit: '1' }] } }), codes: [IA], why: 'hugepage size traversal' },
    { rpc: 'UpdateContainerResources', req: () => ({ container_id: victim.ctr, linux: { cpuset_cpus: `0\n${MARK}` } }), codes: [IA], why: 'cpuset with a newline' },
    { rpc: 'UpdatePodSandboxResources', req: () => ({ pod_sandbox_id: victim.pod, resources: { memory_limit_in_bytes: '-1' } }), codes: [IA], why: 'negative pod memory' },
    { rpc: 'UpdatePodSandboxResources', req: () => ({ pod_sandbox_id: victim.pod, resources: { unified: { [`../../${MARK}`]: '1' } } }), codes: [IA], why: 'pod unified key traversal' },
  );
  // RunPodSandbox.
  out.push(
    { rpc: 'RunPodSandbox', req: () => ({}), codes: [IA], why: 'no config' },
    { rpc: 'RunPodSandbox', req: () => ({ config: meta(trav) }), codes: [IA], why: 'name traversal' },
    { rpc: 'RunPodSandbox', req: () => ({ config: meta('..') }), codes: [IA], why: 'name ..' },
    { rpc: 'RunPodSandbox', req: () => ({ config: meta(nul) }), codes: [IA], why: 'NUL in the name' },
    { rpc: 'RunPodSandbox', req: () => ({ config: meta(big) }), codes: [IA], why: '1 MiB name' },
    { rpc: 'RunPodSandbox', req: () => ({ config: { metadata: { name: 'n', namespace: trav, uid: 'u', attempt: 0 } } }), codes: [IA], why: 'namespace traversal' },
    { rpc: 'RunPodSandbox', req: () => ({ config: { metadata: { name: 'n', namespace: 'ns', uid: nul, attempt: 0 } } }), codes: [IA], why: 'NUL in the uid' },
    { rpc: 'RunPodSandbox', req: pod({ hostname: `${MARK}\n` }), codes: [IA], why: 'hostname with a newline' },
    { rpc: 'RunPodSandbox', req: pod({ hostname: big }), codes: [IA], why: 'huge hostname' },
    { rpc: 'RunPodSandbox', req: pod({ log_directory: trav }), codes: [IA], why: 'relative log dir' },
    { rpc: 'RunPodSandbox', req: pod({ log_directory: `/tmp/../${MARK}-logdir` }), codes: [IA], why: 'log dir with ..' },
    { rpc: 'RunPodSandbox', req: pod({ log_directory: `/tmp/${nul}` }), codes: [IA], why: 'NUL in the log dir' },
    { rpc: 'RunPodSandbox', req: pod({ log_directory: join(root, 'pods', canary.pod) }), codes: [IA], why: "log dir inside the state root (the canary's record)" },
    { rpc: 'RunPodSandbox', req: pod({ log_directory: runRoot }), codes: [IA], why: 'log dir = run_root' },
    { rpc: 'RunPodSandbox', req: pod({ dns_config: { servers: [`1.1.1.1\nnameserver 6.6.6.6`], searches: [nul], options: [big] } }), codes: [IA], why: 'resolv.conf injection' },
    { rpc: 'RunPodSandbox', req: pod({ port_mappings: [{ container_port: 0, host_port: 80 }] }), codes: [IA], why: 'container_port 0' },
    { rpc: 'RunPodSandbox', req: pod({ port_mappings: [{ container_port: 80, host_port: 70000 }] }), codes: [IA], why: 'host_port > 65535' },
    { rpc: 'RunPodSandbox', req: pod({ port_mappings: [{ container_port: 80, host_port: -1 }] }), codes: [IA], why: 'negative host_port' },
    { rpc: 'RunPodSandbox', req: pod({ port_mappings: [{ container_port: 80, host_port: 8080, protocol: 99 }] }), codes: [IA], why: 'unknown protocol' },
    { rpc: 'RunPodSandbox', req: pod({ port_mappings: [{ container_port: 80, host_port: 8080, host_ip: nul }] }), codes: [IA], why: 'NUL host_ip' },
    {
      rpc: 'RunPodSandbox',
      req: pod({ port_mappings: [{ container_port: 70000, host_port: 0 }], linux: { security_context: { namespace_options: { network: 'NODE' } } } }),
      codes: [IA],
      why: 'host network + container_port > 65535',
    },
    {
      rpc: 'RunPodSandbox',
      req: pod({ port_mappings: [{ container_port: 0, host_port: 0 }], linux: { security_context: { namespace_options: { network: 'NODE' } } } }),
      codes: [IA],
      why: 'host network + port 0',
    },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { namespace_options: { network: 99 } } } }), codes: [IA], why: 'unknown network namespace mode' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { namespace_options: { ipc: 42, pid: 77 } } } }), codes: [IA], why: 'unknown ipc/pid modes' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { sysctls: { 'net.ipv4.ip_forward': `1\n${MARK}` } } }), codes: [IA], why: 'sysctl value with a newline' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { sysctls: { [`net/../../kernel/${MARK}`]: '1' } } }), codes: [IA], why: 'sysctl name traversal' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { sysctls: { 'kernel.shmmax\n': '1' } } }), codes: [IA], why: 'sysctl name with a newline' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { cgroup_parent: `/../../${MARK}` } }), codes: [IA], why: 'cgroup_parent traversal' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { cgroup_parent: `/kubepods/${nul}` } }), codes: [IA], why: 'NUL in cgroup_parent' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { run_as_user: { value: '-1' } } } }), codes: [IA], why: 'negative run_as_user' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { supplemental_groups: ['-5', '99999999999999'] } } }), codes: [IA], why: 'bad supplemental groups' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { seccomp: { profile_type: 'Localhost', localhost_ref: `/tmp/../${MARK}` } } } }), codes: [IA], why: 'seccomp profile that does not exist' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { seccomp: { profile_type: 99 } } } }), codes: [IA], why: 'unknown seccomp profile type' },
    { rpc: 'RunPodSandbox', req: pod({ linux: { security_context: { seccomp: { profile_type: 'Localhost', localhost_ref: '/etc/shadow' } } } }), codes: [IA], why: 'a file that is no profile' },
    { rpc: 'RunPodSandbox', req: pod({}, { runtime_handler: trav }), codes: [IA], why: 'runtime handler traversal' },
    { rpc: 'RunPodSandbox', req: pod({ annotations: { [nul]: big }, labels: { [trav]: nul } }), codes: [OK, IA], why: 'odd labels and annotations' },
  );
  // CreateContainer (in the victim pod).
  out.push(
    { rpc: 'CreateContainer', req: ctr({ metadata: { name: trav, attempt: 0 } }), codes: [IA], why: 'name traversal' },
    { rpc: 'CreateContainer', req: ctr({ metadata: { name: nul, attempt: 0 } }), codes: [IA], why: 'NUL in the name' },
    { rpc: 'CreateContainer', req: ctr({ metadata: { name: big, attempt: 0 } }), codes: [IA], why: '1 MiB name' },
    { rpc: 'CreateContainer', req: ctr({ log_path: trav }), codes: [IA], why: 'log_path escaping the log dir' },
    { rpc: 'CreateContainer', req: ctr({ log_path: `x/../../${MARK}.log` }), codes: [IA], why: 'log_path escaping through x/..' },
    { rpc: 'CreateContainer', req: ctr({ log_path: `/tmp/${MARK}.log` }), codes: [IA], why: 'absolute log_path' },
    { rpc: 'CreateContainer', req: ctr({ log_path: `${nul}.log` }), codes: [IA], why: 'NUL in log_path' },
    { rpc: 'CreateContainer', req: ctr({ image: { image: trav } }), codes: [NF, IA], why: 'image traversal' },
    { rpc: 'CreateContainer', req: ctr({ image: { image: big } }), codes: [NF, IA], why: '1 MiB image name' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/proc', host_path: '/proc' }] }), codes: [IA], why: 'mount over /proc' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/x', host_path: root }] }), codes: [IA], why: 'mount of the state root' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/x', host_path: join(runRoot, 'netns') }] }), codes: [IA], why: 'mount inside run_root' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/x', host_path: `${outside}/../${MARK}-src` }] }), codes: [IA], why: 'mount source with ..' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/x', host_path: `${MARK}-rel` }] }), codes: [IA], why: 'relative mount source' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/x', host_path: `/tmp/${nul}` }] }), codes: [IA], why: 'NUL in mount source' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: `../../${MARK}`, host_path: outside }] }), codes: [IA], why: 'relative mount destination' },
    { rpc: 'CreateContainer', req: ctr({ mounts: [{ container_path: '/x', host_path: outside, propagation: 99 }] }), codes: [IA], why: 'unknown propagation' },
    { rpc: 'CreateContainer', req: ctr({ devices: [{ host_path: `/dev/../tmp/${MARK}`, container_path: '/dev/x', permissions: 'rwm' }] }), codes: [IA, NF], why: 'device that is no device' },
    { rpc: 'CreateContainer', req: ctr({ devices: [{ host_path: '/dev/null', container_path: '/dev/x', permissions: `rwm${MARK}` }] }), codes: [IA], why: 'bad device permissions' },
    { rpc: 'CreateContainer', req: ctr({ working_dir: trav }), codes: [IA], why: 'relative working dir' },
    { rpc: 'CreateContainer', req: ctr({ command: [nul] }), codes: [IA], why: 'NUL in the command' },
    { rpc: 'CreateContainer', req: ctr({ envs: [{ key: `A\0B`, value: Buffer.from('x') }] }), codes: [IA], why: 'NUL in an env name' },
    { rpc: 'CreateContainer', req: ctr({ envs: [{ key: `A=B`, value: Buffer.from('x') }] }), codes: [IA], why: '= in an env name' },
    { rpc: 'CreateContainer', req: ctr({ stop_signal: 99 }), codes: [IA], why: 'unknown stop signal' },
    { rpc: 'CreateContainer', req: ctr({}, { resources: { cpu_shares: '-1' } }), codes: [IA], why: 'negative cpu_shares' },
    { rpc: 'CreateContainer', req: ctr({}, { resources: { memory_limit_in_bytes: '-9223372036854775808' } }), codes: [IA], why: 'most negative memory limit' },
    { rpc: 'CreateContainer', req: ctr({}, { resources: { oom_score_adj: '99999' } }), codes: [IA], why: 'oom_score_adj out of range' },
    { rpc: 'CreateContainer', req: ctr({}, { resources: { unified: { [`../../${MARK}`]: '1' } } }), codes: [IA], why: 'unified key traversal' },
    { rpc: 'CreateContainer', req: ctr({}, { resources: { hugepage_limits: [{ page_size: `../${MARK}`, limit: '1' }] } }), codes: [IA], why: 'hugepage size traversal' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { capabilities: { add_capabilities: [`CAP_${MARK}`] } } }), codes: [IA], why: 'unknown capability' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { run_as_user: { value: '-1' } } }), codes: [IA], why: 'negative run_as_user' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { run_as_username: trav } }), codes: [IA, NF], why: 'user name traversal' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { masked_paths: [`../../${MARK}`], readonly_paths: ['rel'] } }), codes: [IA], why: 'relative masked/readonly paths' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { namespace_options: { pid: 99 } } }), codes: [IA], why: 'unknown pid mode' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { seccomp: { profile_type: 'Localhost', localhost_ref: `/tmp/../${MARK}` } } }), codes: [IA], why: 'missing seccomp file' },
    { rpc: 'CreateContainer', req: ctr({}, { security_context: { apparmor: { profile_type: 'Localhost', localhost_ref: trav } } }), codes: [IA], why: 'apparmor traversal' },
  );
  return out;
}

function rpcsOf(service: Service): string[] {
  return service === 'RuntimeService' ? RUNTIME_RPCS : IMAGE_RPCS;
}

test('every RPC of the registry is covered by the table', () => {
  const covered = new Set(cases().map((c) => c.rpc));
  const all = [...rpcsOf('RuntimeService'), ...rpcsOf('ImageService')];
  assert.deepEqual(all.filter((r) => !covered.has(r)), []);
  // The registry implements every RPC the proto has but CheckpointContainer.
  const implemented = new Set([...Object.keys(runtimeHandlers), ...Object.keys(imageHandlers)]);
  assert.deepEqual(all.filter((r) => !implemented.has(r)), ['CheckpointContainer']);
});

test('the table: a fitting code for each hostile request, the canary untouched, nothing written outside', async () => {
  const bad: string[] = [];
  let n = 0;
  for (const c of cases()) {
    const r = await call(c.rpc, c.req());
    n++;
    if (!c.codes.includes(r.code) || unfit(c.rpc, r)) bad.push(`${c.rpc} (${c.why}): ${Grpc[r.code]} ${r.details.slice(0, 200)}`);
    else if (c.msg && !c.msg.test(r.details)) bad.push(`${c.rpc} (${c.why}): message ${r.details.slice(0, 200)}`);
    if (r.code === OK && (c.rpc === 'RunPodSandbox' || c.rpc === 'CreateContainer')) await sweep();
  }
  await sweep();
  await assertCanaryIntact('the table');
  assert.deepEqual(bad, [], `${bad.length} of ${n} cases answered wrongly`);
  assert.deepEqual(diff(treeBefore, outsideState()), [], 'written outside the state roots and log dirs');
  assert.deepEqual(markedOnHost().filter((p) => !hostBefore.includes(p)), [], 'files named like hostile input on the host');
});

/** A valid request per RPC, which the generator spoils. */
function baseRequest(rpc: string): Record<string, unknown> {
  const never = '0'.repeat(64);
  switch (rpc) {
    case 'RunPodSandbox':
      return { config: podCfg() };
    case 'CreateContainer':
      return { pod_sandbox_id: victim.pod, config: ctrCfg(`g-${++podSeq}`), sandbox_config: podCfg() };
    case 'StopPodSandbox':
    case 'RemovePodSandbox':
      return { pod_sandbox_id: never };
    case 'StartContainer':
    case 'StopContainer':
    case 'RemoveContainer':
      return { container_id: never };
    case 'PodSandboxStatus':
    case 'PodSandboxStats':
    case 'UpdatePodSandboxResources':
      return { pod_sandbox_id: victim.pod };
    case 'PortForward':
      return { pod_sandbox_id: victim.pod, port: [8080] };
    case 'ContainerStatus':
    case 'ContainerStats':
    case 'ReopenContainerLog':
    case 'UpdateContainerResources':
      return { container_id: victim.ctr };
    case 'ExecSync':
      return { container_id: victim.ctr, cmd: ['true'], timeout: '5' };
    case 'Exec':
      return { container_id: victim.ctr, cmd: ['true'], stdout: true };
    case 'Attach':
      return { container_id: victim.ctr, stdout: true };
    case 'PullImage':
    case 'ImageStatus':
      return { image: { image: env.image } };
    case 'RemoveImage':
      return { image: { image: `${env.reg.host}/library/${MARK}:none` } };
    default:
      return {};
  }
}

test('seeded random hostile requests over every field of every RPC', async () => {
  const seed = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : Math.floor(Math.random() * 2 ** 31);
  const count = Number(process.env.HOSTILE_CASES ?? 1000);
  console.log(`hostile-requests: seed ${seed} (replay: HOSTILE_SEED=${seed}), ${count} cases`);
  const r = seededRandom(seed);
  const strings = hostileStrings({ paths: [outside], stateRoots: [env.d.dirs.root, env.d.dirs.runRoot, join(env.d.dirs.root, 'pods', canary.pod)] });
  const rpcs = [...RUNTIME_RPCS, ...IMAGE_RPCS].filter((x) => x !== 'CheckpointContainer');
  const bad: string[] = [];
  const started = Date.now();
  let tried = 0;
  let skipped = 0;
  for (let i = 0; i < count && Date.now() - started < 70_000; i++) {
    const rpc = rpcs[Math.floor(r() * rpcs.length)]!;
    const t = requestType(serviceOf(rpc), rpc);
    const { req, changed } = mutate(r, t, baseRequest(rpc), strings, 1 + Math.floor(r() * 3), true);
    const res = await call(rpc, req, 20_000);
    if (clientSide(res)) {
      skipped++;
      continue;
    }
    tried++;
    if (unfit(rpc, res)) bad.push(`#${i} ${rpc} ${changed.join(' ')} → ${Grpc[res.code]} ${res.details.slice(0, 300)}`);
    if (res.code === OK && (rpc === 'RunPodSandbox' || rpc === 'CreateContainer' || rpc.startsWith('Stop') || rpc.startsWith('Remove') || rpc.startsWith('Update'))) await sweep();
  }
  await sweep();
  console.log(`hostile-requests: ${tried} random requests answered, ${skipped} not encodable by the client, ${bad.length} wrong, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await assertCanaryIntact(`seed ${seed}`);
  assert.deepEqual(bad, [], `seed ${seed}: INTERNAL/UNKNOWN/UNAVAILABLE answers`);
  assert.deepEqual(diff(treeBefore, outsideState()), [], `seed ${seed}: written outside the state roots and log dirs`);
  assert.deepEqual(markedOnHost().filter((p) => !hostBefore.includes(p)), [], `seed ${seed}: files named like hostile input on the host`);
});

// The daemon is still the same process and answers.
test('the daemon survived', async () => {
  assert.equal(env.d.proc.exitCode, null);
  const v = await new CriClient(env.d.dirs.socket).runtime('Version', {});
  assert.equal(v.runtime_name, 'rktlet');
});

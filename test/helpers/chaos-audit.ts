// The chaos test's checks: every pod and container the daemon lists has the state of what really
// runs (runc, conmon, /proc, pinned namespace mounts), and everything on the host that belongs to
// the daemon's state root is owned by a listed pod or container (see host-audit.ts). Returns the
// findings as sentences; none means consistent and nothing leaked.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CriClient } from '../../src/client/cri-client.js';
import { readHost, type AuditScope, type HostView } from './host-audit.js';
import { pidAlive } from '../../src/util/pid-alive.js';

interface PodInfo {
  id: string;
  state: string;
  pid: number;
  netnsPath: string;
  pinnedNamespaces: { ipc: string; uts: string } | null;
}


async function listed(c: CriClient) {
  const pods = (await c.runtime('ListPodSandbox', {})).items;
  const ctrs = (await c.runtime('ListContainers', {})).containers;
  const info: PodInfo[] = [];
  for (const p of pods) {
    const s = await c.runtime('PodSandboxStatus', { pod_sandbox_id: p.id, verbose: true });
    const v = JSON.parse(s.info.info ?? '{}') as Omit<PodInfo, 'id' | 'state'>;
    info.push({ id: p.id, state: s.status!.state, pid: v.pid ?? 0, netnsPath: v.netnsPath ?? '', pinnedNamespaces: v.pinnedNamespaces ?? null });
  }
  return { pods: info, ctrs: ctrs.map((x) => ({ id: x.id, state: x.state })) };
}

/** One pass; the caller repeats once to let a container that was exiting right then settle. */
async function pass(c: CriClient, s: AuditScope, final: boolean): Promise<string[]> {
  const l = await listed(c);
  const h: HostView = readHost(s);
  const out: string[] = [];
  const podIds = new Set(l.pods.map((p) => p.id));
  const ctrIds = new Set(l.ctrs.map((x) => x.id));
  const infraIds = new Set(l.pods.filter((p) => !p.pinnedNamespaces && p.pid > 0).map((p) => p.id));
  const runc = new Map(h.runc.map((e) => [e.id, e]));
  const mounts = new Set(h.mounts);
  const short = (id: string) => id.slice(0, 12);

  // Listed state against what runs.
  for (const p of l.pods) {
    if (p.state !== 'SANDBOX_READY') continue;
    if (p.pinnedNamespaces) {
      for (const f of [p.pinnedNamespaces.ipc, p.pinnedNamespaces.uts, p.netnsPath].filter(Boolean)) {
        if (!mounts.has(f)) out.push(`pod ${short(p.id)} is READY but ${f} is not mounted`);
      }
    } else if (!pidAlive(p.pid) || runc.get(p.id)?.status !== 'running') out.push(`pod ${short(p.id)} is READY but its infra ${p.pid} is not running (runc: ${runc.get(p.id)?.status ?? 'none'})`);
  }
  for (const x of l.ctrs) {
    const r = runc.get(x.id);
    const want = ({ CONTAINER_RUNNING: ['running'], CONTAINER_CREATED: ['created'], CONTAINER_EXITED: ['stopped', 'none'] } as Record<string, string[]>)[x.state];
    if (!want) out.push(`container ${short(x.id)} is listed ${x.state}`);
    else if (!want.includes(r?.status ?? 'none')) out.push(`container ${short(x.id)} is listed ${x.state} but runc says ${r?.status ?? 'nothing'}`);
  }
  // What runs that nobody lists.
  // A pod whose RunPodSandbox died after its infra started is listed NOTREADY (with no pid yet):
  // its infra may run until the kubelet stops the pod.
  const notReady = new Set(l.pods.filter((p) => p.state !== 'SANDBOX_READY').map((p) => p.id));
  for (const r of h.runc) if (!ctrIds.has(r.id) && !infraIds.has(r.id) && !notReady.has(r.id)) out.push(`runc container ${short(r.id)} (${r.status}) is not listed`);
  for (const [pid, id] of h.conmons) {
    const r = runc.get(id);
    if ((!ctrIds.has(id) && !infraIds.has(id) && !notReady.has(id)) || !r || r.status === 'stopped') out.push(`conmon ${pid} of ${short(id)} runs for nothing listed alive`);
  }
  // What is on the host that nobody listed owns.
  const selfBinds = new Set([join(s.dirs.runRoot, 'netns'), join(s.dirs.runRoot, 'pinned-ns')]);
  for (const m of h.mounts) {
    if (selfBinds.has(m)) continue;
    const owner = [...podIds, ...ctrIds].find((id) => m.includes(id));
    if (!owner) out.push(`mount ${m} belongs to nothing listed`);
  }
  for (const f of h.podFiles) if (!podIds.has(f.id)) out.push(`pod file ${f.path} belongs to no listed pod`);
  for (const f of h.containerFiles) if (!ctrIds.has(f.id) && !podIds.has(f.id)) out.push(`container dir ${f.path} belongs to no listed container`);
  for (const g of h.cgroups) if (!podIds.has(g.id)) out.push(`cgroup ${g.path} belongs to no listed pod`);
  for (const ip of h.ips) if (!podIds.has(ip.id)) out.push(`IP ${ip.ip} is allocated to ${short(ip.id)}, no listed pod`);
  for (const r of h.natRules) if (!podIds.has(r.id)) out.push(`nat rule names no listed pod: ${r.rule}`);
  for (const t of h.temps) out.push(`temp file left: ${t}`);
  for (const b of h.strayBlobs) out.push(`blob ${b.slice(0, 19)} is referenced by no image`);
  for (const b of h.strayLayers) out.push(`layer ${b.slice(0, 19)} is used by no image or container`);
  if (final) {
    for (const f of h.staleLocks) out.push(`lock file of a dead process: ${f}`);
    for (const n of h.strayNames) out.push(`pod name reservation without a pod: ${n}`);
  }
  return out;
}

export async function audit(c: CriClient, s: AuditScope, o: { final?: boolean } = {}): Promise<string[]> {
  // A container exiting right then, a conmon finishing or killed with a CLI verb: the exit
  // monitor's poll (2 s) records it. Two rounds of it before anything counts.
  let found = await pass(c, s, !!o.final);
  for (let i = 0; found.length && i < 2; i++) {
    await sleep(2500);
    found = await pass(c, s, !!o.final);
  }
  return found;
}

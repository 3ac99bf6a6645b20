// What one daemon's state root has put on the host, read from the host itself (never from the
// daemon): runc containers, conmon processes, mounts, pinned namespace files, pod cgroups, CNI IP
// allocations, iptables nat rules, temp files, half-written records, image blobs and layers. The
// chaos test compares it with what the daemon lists: anything here that no listed pod or container
// owns is a leak.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonDirs } from './daemon.js';
import { pidAlive } from '../../src/util/pid-alive.js';

export interface AuditScope {
  dirs: DaemonDirs;
  /** The CNI network name (the test daemon's bridge name). */
  network: string;
  /** pod.default_cgroup_parent, e.g. "/rktlet-chaos-123". */
  cgroupParent: string;
}

export interface RuncEntry {
  id: string;
  status: string;
  pid: number;
}

export interface HostView {
  runc: RuncEntry[];
  /** conmon pid → the container id it monitors (-c). */
  conmons: Map<number, string>;
  /** Mount points under the test's dirs. */
  mounts: string[];
  /** Pod ids named by files in netns/, pinned-ns/, <run_root>/pods/, <root>/pods/. */
  podFiles: { path: string; id: string }[];
  /** Container dirs under <root>/containers and snapshots/active. */
  containerFiles: { path: string; id: string }[];
  /** pod-<id> cgroups under the parent, per controller. */
  cgroups: { path: string; id: string }[];
  /** host-local allocations: IP → owner id. */
  ips: { ip: string; id: string }[];
  /** nat rules naming the network: the ids in their comments. */
  natRules: { rule: string; id: string }[];
  /** Files that look half-written: *.tmp, ingest and snapshot temp dirs of dead processes. */
  temps: string[];
  /** Blobs in the content store no image record names. */
  strayBlobs: string[];
  /** Unpacked layers no image record names and no container snapshot uses. */
  strayLayers: string[];
  /** Lock files whose holder is dead. */
  staleLocks: string[];
  /** Name reservations whose holder has no record. */
  strayNames: string[];
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

function ls(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}


export function runcList(root: string): RuncEntry[] {
  if (!existsSync(root)) return [];
  const out = sh('runc', ['--root', root, 'list', '--format', 'json']).trim();
  if (!out || out === 'null') return [];
  return (JSON.parse(out) as { id: string; status: string; pid: number }[]).map((e) => ({ id: e.id, status: e.status, pid: e.pid }));
}

/** conmon processes whose command line names a path under base. */
export function conmonsUnder(base: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of ls('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmd[0]?.endsWith('conmon') || !cmd.some((a) => a.startsWith(base))) continue;
    const i = cmd.findIndex((a) => a === '-c' || a === '--cid');
    out.set(Number(p), i >= 0 ? (cmd[i + 1] ?? '') : '');
  }
  return out;
}

export function mountsUnder(base: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_s, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === base || m.startsWith(base + '/'));
}

/** Every sha256 digest a JSON file names. */
function digestsIn(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').match(/sha256:[0-9a-f]{64}/g) ?? [];
  } catch {
    return [];
  }
}

function walk(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 12) return out;
  for (const n of ls(dir)) {
    const p = join(dir, n);
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st) continue;
    out.push(p);
    // Container root filesystems and image layers hold the image's own files: not ours to judge.
    if (st.isDirectory() && !/\/(snapshots\/layers|snapshots\/active|infra\/rootfs|content\/blobs)$/.test(p)) walk(p, out, depth + 1);
  }
  return out;
}

export function readHost(s: AuditScope): HostView {
  const { root, runRoot, base } = s.dirs;
  const podFiles: HostView['podFiles'] = [];
  const podId = (n: string) => /([0-9a-f]{64})/.exec(n)?.[1];
  for (const dir of [join(runRoot, 'netns'), join(runRoot, 'pinned-ns'), join(runRoot, 'pods'), join(root, 'pods')]) {
    for (const n of ls(dir)) {
      const id = podId(n);
      podFiles.push({ path: join(dir, n), id: id ?? '' });
    }
  }
  const containerFiles: HostView['containerFiles'] = [];
  for (const dir of [join(root, 'containers'), join(root, 'snapshots', 'active')]) {
    for (const n of ls(dir)) if (!n.startsWith('.')) containerFiles.push({ path: join(dir, n), id: n });
  }
  const cgroups: HostView['cgroups'] = [];
  for (const ctl of ls('/sys/fs/cgroup')) {
    const parent = join('/sys/fs/cgroup', ctl, s.cgroupParent);
    for (const n of ls(parent)) {
      const id = /^pod-([0-9a-f]{64})$/.exec(n)?.[1];
      if (id) cgroups.push({ path: join(parent, n), id });
    }
  }
  const ips: HostView['ips'] = [];
  const ipDir = join(root, 'cni', 'networks', s.network);
  for (const n of ls(ipDir)) {
    if (!/^[0-9.]+$|:/.test(n)) continue;
    const owner = (readFileSync(join(ipDir, n), 'utf8').split(/\r?\n/)[0] ?? '').trim();
    ips.push({ ip: n, id: owner });
  }
  const natRules: HostView['natRules'] = [];
  for (const l of sh('iptables-save', ['-t', 'nat']).split('\n')) {
    if (!l.startsWith('-A ') || !l.includes(`"${s.network}\\"`)) continue;
    natRules.push({ rule: l, id: /id: \\"([0-9a-f]{64})\\"/.exec(l)?.[1] ?? '' });
  }
  const temps: string[] = [];
  for (const p of [...walk(root), ...walk(runRoot)]) {
    if (/\.tmp$/.test(p)) temps.push(p);
  }
  for (const dir of [join(root, 'content', 'ingest'), join(root, 'snapshots', 'tmp')]) {
    for (const n of ls(dir)) {
      const pid = Number(n.split('-')[0]);
      if (!pidAlive(pid)) temps.push(join(dir, n));
      else for (const f of ls(join(dir, n))) temps.push(join(dir, n, f)); // a live daemon's own dir, idle: empty
    }
  }
  const referenced = new Set<string>();
  const recDir = join(root, 'images', 'records');
  for (const n of ls(recDir)) for (const d of digestsIn(join(recDir, n))) referenced.add(d);
  const strayBlobs = ls(join(root, 'content', 'blobs', 'sha256'))
    .map((h) => `sha256:${h}`)
    .filter((d) => !referenced.has(d));
  const inUse = new Set<string>();
  for (const c of ls(join(root, 'snapshots', 'active'))) {
    for (const f of ls(join(root, 'snapshots', 'active', c))) if (f.endsWith('.json')) for (const d of digestsIn(join(root, 'snapshots', 'active', c, f))) inUse.add(d);
  }
  const strayLayers = ls(join(root, 'snapshots', 'layers'))
    .map((h) => (h.startsWith('sha256:') ? h : `sha256:${h}`))
    .filter((d) => !referenced.has(d) && !inUse.has(d));
  const staleLocks: string[] = [];
  for (const kind of ls(join(runRoot, 'locks'))) {
    const dir = join(runRoot, 'locks', kind);
    let st;
    try {
      st = statSync(dir);
    } catch {
      continue;
    }
    if (!st.isDirectory()) continue;
    for (const n of ls(dir)) {
      const pid = Number(readFileSafe(join(dir, n)).trim().split(/\s/)[0]);
      if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) staleLocks.push(join(dir, n));
    }
  }
  const podRecords = new Set(ls(join(root, 'pods')).filter((n) => existsSync(join(root, 'pods', n, 'pod.json'))));
  const strayNames: string[] = [];
  for (const n of ls(join(root, 'pod-names'))) {
    const holder = podId(readFileSafe(join(root, 'pod-names', n)));
    if (holder && !podRecords.has(holder)) strayNames.push(n);
  }
  return {
    runc: runcList(join(runRoot, 'oci', 'runc')),
    conmons: conmonsUnder(base),
    mounts: mountsUnder(base),
    podFiles,
    containerFiles,
    cgroups,
    ips,
    natRules,
    temps,
    strayBlobs,
    strayLayers,
    staleLocks,
    strayNames,
  };
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

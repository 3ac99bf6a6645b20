// Removing everything a bench run left on the host, even when the runtimes could not tear their
// pods down: leftover helpers and containers, mounts, network namespaces, the bridges, the
// iptables chains the CNI plugins made for our networks, IPAM state, the temp dir.
// Everything is found by a name or path that only this run uses.
import { readdirSync, existsSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { listProcesses, hostPidNs } from './proc.js';

function run(cmd: string, args: string[], input?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 30_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** SIGKILLs host processes (not the bench itself) whose command line names a path under dir. */
export function killProcessesUnder(dir: string): number[] {
  const prefix = `${dir}/`;
  const ns = hostPidNs();
  const victims = listProcesses().filter(
    (p) => p.pid !== process.pid && p.pidNs === ns && p.cmdline.some((a) => a === dir || a.includes(prefix)),
  );
  for (const p of victims) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return victims.map((p) => p.pid);
}

/** runc state roots below dir: directories whose children hold a state.json. */
export function findRuncRoots(dir: string, depth = 6): string[] {
  const out: string[] = [];
  const walk = (d: string, left: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    if (names.some((n) => existsSync(join(d, n, 'state.json')))) out.push(d);
    if (left === 0) return;
    for (const n of names) {
      const p = join(d, n);
      try {
        if (statSync(p).isDirectory()) walk(p, left - 1);
      } catch {
        // vanished
      }
    }
  };
  walk(dir, depth);
  return out;
}

/** Force-deletes every container runc knows in the runc roots under dir (kills their processes). */
export function deleteRuncContainers(dir: string, runc = '/usr/sbin/runc'): number {
  let n = 0;
  for (const root of findRuncRoots(dir)) {
    for (const id of readdirSync(root)) {
      if (!existsSync(join(root, id, 'state.json'))) continue;
      run(runc, ['--root', root, 'delete', '--force', id]);
      n++;
    }
  }
  return n;
}

/** Mount points at or below dir, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const prefix = `${dir}/`;
  const points = mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\(\d{3})/g, (_s, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts (lazily) everything at or below dir; returns the mount points it unmounted. */
export function unmountUnder(dir: string): string[] {
  const done: string[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const points = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
    if (points.length === 0) break;
    for (const m of points) if (run('umount', ['-l', m]).ok) done.push(m);
  }
  return done;
}

/** Network namespaces in /var/run/netns that appeared during the run and carry the given prefix. */
export function removeNewNetns(before: ReadonlySet<string>, prefix: string, nsDir = '/var/run/netns'): string[] {
  let names: string[];
  try {
    names = readdirSync(nsDir);
  } catch {
    return [];
  }
  const added = names.filter((n) => n.startsWith(prefix) && !before.has(n));
  for (const n of added) {
    run('umount', ['-l', join(nsDir, n)]);
    rmSync(join(nsDir, n), { force: true });
  }
  return added;
}

export function listNetns(nsDir = '/var/run/netns'): Set<string> {
  try {
    return new Set(readdirSync(nsDir));
  } catch {
    return new Set();
  }
}

export function deleteLink(name: string): boolean {
  if (!existsSync(`/sys/class/net/${name}`)) return false;
  return run('ip', ['link', 'del', name]).ok;
}

/**
 * iptables-restore input that removes the chains tagged with one of our CNI network names
 * (the bridge and portmap plugins put `name: "<net>"` in their comments) and the jumps to them.
 */
export function iptablesCleanupScript(save: string, table: string, networks: readonly string[]): string | undefined {
  const lines = save.split('\n');
  const tagged = (l: string) => networks.some((n) => l.includes(`name: \\"${n}\\"`) || l.includes(`name: "${n}"`));
  const chains = new Set<string>();
  for (const l of lines) {
    const m = /^-A (\S+) /.exec(l);
    if (!m || !tagged(l)) continue;
    const jump = /-j (CNI-\S+)/.exec(l)?.[1];
    if (jump && !/^CNI-HOSTPORT-/.test(jump)) chains.add(jump);
    if (/^CNI-/.test(m[1] as string) && !/^CNI-HOSTPORT-/.test(m[1] as string)) chains.add(m[1] as string);
  }
  if (chains.size === 0) return undefined;
  const out = [`*${table}`];
  for (const l of lines) {
    const m = /^-A (\S+) (.*)$/.exec(l);
    if (!m) continue;
    const jump = /-j (\S+)/.exec(l)?.[1];
    if (jump && chains.has(jump) && !chains.has(m[1] as string)) out.push(`-D ${m[1]} ${m[2]}`);
  }
  for (const c of chains) out.push(`-F ${c}`);
  for (const c of chains) out.push(`-X ${c}`);
  out.push('COMMIT', '');
  return out.join('\n');
}

export function removeIptablesChains(networks: readonly string[]): number {
  let n = 0;
  for (const table of ['nat', 'filter']) {
    const save = run('iptables-save', ['-t', table]);
    if (!save.ok) continue;
    const script = iptablesCleanupScript(save.out, table, networks);
    if (!script) continue;
    if (run('iptables-restore', ['--noflush'], script).ok) n++;
  }
  return n;
}

/** host-local IPAM leases and libcni's result cache for our networks. */
export function removeCniState(networks: readonly string[], cniDir = '/var/lib/cni'): void {
  for (const n of networks) rmSync(join(cniDir, 'networks', n), { recursive: true, force: true });
  try {
    for (const f of readdirSync(join(cniDir, 'results'))) {
      if (networks.some((n) => f.startsWith(`${n}-`))) rmSync(join(cniDir, 'results', f), { force: true });
    }
  } catch {
    // no cache dir
  }
}

/** /sys/fs/cgroup/<controller>/<name> (v1 and hybrid) and /sys/fs/cgroup/<name> (v2). */
export function cgroupDirs(name: string, root = '/sys/fs/cgroup'): string[] {
  const out: string[] = [];
  if (existsSync(join(root, name))) out.push(join(root, name));
  try {
    for (const c of readdirSync(root)) {
      const p = join(root, c, name);
      if (existsSync(p)) out.push(p);
    }
  } catch {
    // no cgroup fs
  }
  return out;
}

/** Removes a cgroup dir tree bottom-up; cgroups still holding processes stay (rmdir fails). */
export function removeCgroupTree(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return;
  }
  for (const n of names) removeCgroupTree(join(dir, n));
  try {
    rmdirSync(dir);
  } catch {
    // busy or gone
  }
}

// What a daemon left on the host once every pod is gone: records, namespace files, mounts, CNI IP
// allocations, pod cgroups, conmon/runtime processes. Each entry names one leftover; [] is clean.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from './daemon.js';

const entries = (d: string): string[] => (existsSync(d) ? readdirSync(d).filter((n) => !n.startsWith('.')) : []);

/** `podIds`: every pod the test made (their cgroups are looked for under the default parent). */
export function leftovers(d: TestDaemon, podIds: Iterable<string>): string[] {
  const { root, runRoot, base } = d.dirs;
  const out: string[] = [];
  for (const [what, dir] of [
    ['pod record', join(root, 'pods')],
    ['container record', join(root, 'containers')],
    ['netns file', join(runRoot, 'netns')],
    ['pinned namespace file', join(runRoot, 'pinned-ns')],
    ['container snapshot', join(root, 'snapshots', 'active')],
  ] as const) {
    for (const n of entries(dir)) out.push(`${what} ${join(dir, n)}`);
  }
  // The namespace dirs' own shared bind mounts stay, as ip-netns does.
  const keep = new Set([join(runRoot, 'netns'), join(runRoot, 'pinned-ns')]);
  for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '')) {
    if (m.startsWith(base + '/') && !keep.has(m)) out.push(`mount ${m}`);
  }
  if (d.dirs.bridge) {
    for (const ip of entries(join(root, 'cni', 'networks', d.dirs.bridge)).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n))) out.push(`CNI IP ${ip}`);
  }
  const ids = new Set(podIds);
  for (const ctl of readdirSync('/sys/fs/cgroup')) {
    const parent = join('/sys/fs/cgroup', ctl, 'rktlet');
    for (const n of existsSync(parent) ? readdirSync(parent) : []) if (ids.has(n.replace(/^pod-/, ''))) out.push(`cgroup ${join(parent, n)}`);
  }
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === d.proc.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(base) && !cmd.includes(' serve ')) out.push(`process ${p}: ${cmd.slice(0, 120)}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

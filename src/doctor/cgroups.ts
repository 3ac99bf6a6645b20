// The cgroup layout (v1, hybrid, v2), the controllers pods need, and the configured driver.
import type { Finding } from './finding.js';

export type CgroupLayout = 'v1' | 'hybrid' | 'v2' | 'none';

interface CgroupMount {
  point: string;
  type: string;
  options: string[];
}

/** cgroup and cgroup2 mounts from /proc/self/mountinfo. */
export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const point = left.split(' ')[4] ?? '';
    const [type = '', , superOpts = ''] = right.split(' ');
    if (type === 'cgroup' || type === 'cgroup2') out.push({ point, type, options: superOpts.split(',') });
  }
  return out;
}

export function cgroupLayout(mounts: CgroupMount[]): CgroupLayout {
  if (mounts.some((m) => m.type === 'cgroup2' && m.point === '/sys/fs/cgroup')) return 'v2';
  const v1 = mounts.some((m) => m.type === 'cgroup');
  if (v1 && mounts.some((m) => m.type === 'cgroup2')) return 'hybrid';
  return v1 ? 'v1' : 'none';
}

/** Controllers every pod uses: limits, stats and the device cgroup (v1 names; v2 has io for blkio). */
const NEEDED_V1 = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'devices', 'blkio', 'freezer'];
const NEEDED_V2 = ['cpu', 'cpuset', 'memory', 'pids', 'io'];

export interface CgroupFacts {
  mountinfo: string;
  /** /proc/cgroups (v1 controllers and whether they are enabled). */
  procCgroups: string;
  /** cgroup.controllers of the v2 root (v2 hosts) or of the hybrid unified mount. */
  v2Controllers: string | undefined;
  driver: 'cgroupfs' | 'systemd';
  /** /run/systemd/system exists: systemd is PID 1. */
  systemdRunning: boolean;
}

export function cgroupFindings(f: CgroupFacts): Finding[] {
  const mounts = cgroupMounts(f.mountinfo);
  const layout = cgroupLayout(mounts);
  const out: Finding[] = [];
  if (layout === 'none') {
    out.push({ check: 'cgroups.layout', status: 'fail', summary: 'no cgroup file system is mounted', fix: 'mount cgroup2 on /sys/fs/cgroup (or the v1 hierarchies)' });
    return out;
  }
  let present: string[];
  let needed: string[];
  if (layout === 'v2') {
    present = (f.v2Controllers ?? '').trim().split(/\s+/).filter(Boolean);
    needed = NEEDED_V2;
  } else {
    // A v1 controller works when it is enabled and mounted (a hierarchy other than 0).
    const mounted = new Set(mounts.filter((m) => m.type === 'cgroup').flatMap((m) => m.options));
    present = f.procCgroups
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/))
      .filter(([name, hier, , enabled]) => enabled === '1' && hier !== '0' && mounted.has(name ?? ''))
      .map(([name]) => name ?? '');
    needed = NEEDED_V1;
  }
  const what: Record<CgroupLayout, string> = {
    v2: 'cgroup v2 (unified)',
    hybrid: 'cgroup v1 hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified (PSI read from there)',
    v1: 'cgroup v1 (legacy, no cgroup2 mount: no PSI figures)',
    none: '',
  };
  out.push({
    check: 'cgroups.layout',
    status: layout === 'v1' ? 'info' : 'ok',
    summary: what[layout],
    facts: { layout, v2_controllers: (f.v2Controllers ?? '').trim().split(/\s+/).filter(Boolean) },
  });
  const missing = needed.filter((c) => !present.includes(c));
  out.push(
    missing.length
      ? {
          check: 'cgroups.controllers',
          status: 'fail',
          summary: `cgroup controllers missing: ${missing.join(', ')} (present: ${present.join(', ') || 'none'})`,
          fix:
            layout === 'v2'
              ? `enable them in the root's cgroup.subtree_control (echo "+${missing.join(' +')}" > /sys/fs/cgroup/cgroup.subtree_control) or on the kernel command line`
              : `mount each missing v1 controller under /sys/fs/cgroup (mount -t cgroup -o ${missing[0]} cgroup /sys/fs/cgroup/${missing[0]}) or enable it on the kernel command line`,
          facts: { present, missing },
        }
      : { check: 'cgroups.controllers', status: 'ok', summary: `cgroup controllers: ${present.join(', ')}`, facts: { present } },
  );
  if (f.driver === 'systemd' && !f.systemdRunning) {
    out.push({
      check: 'cgroups.driver',
      status: 'fail',
      summary: 'runtime.cgroup_driver is "systemd" but systemd is not running (no /run/systemd/system)',
      fix: 'set runtime.cgroup_driver = "cgroupfs" (and cgroupDriver: cgroupfs in the kubelet)',
    });
  } else {
    out.push({ check: 'cgroups.driver', status: 'ok', summary: `cgroup driver ${f.driver}${f.systemdRunning ? ' (systemd is running)' : ' (no systemd)'}` });
  }
  return out;
}

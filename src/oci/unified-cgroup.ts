// Whether a handler's runtime must run without the hybrid host's cgroup2 mount
// (`runtime.handlers.<name>.hide_unified_cgroup`, "auto" by default), decided once at start.
//
// On a cgroup v1 host with a hybrid layout, /sys/fs/cgroup/unified is a cgroup2 mount. When that
// mount has controllers (cgroup.controllers not empty), crun 1.8 takes the host for a v2 one and
// refuses `create` ("mount_setattr … / cannot set cgroup controllers"); runc ignores the v2 mount.
// "auto" therefore hides the mount only when both hold: the runtime says it is crun
// (`--version`), and the host has that layout. true/false force the choice.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type HideUnifiedSetting = boolean | 'auto';

/** What the decision reads from the host (tests give their own). */
export interface HostFacts {
  mountinfo(): string;
  /** The text of <cgroup2 mount>/cgroup.controllers ('' when unreadable). */
  controllers(mountPoint: string): string;
  /** The runtime's `--version` output ('' when it cannot run). */
  version(path: string): string;
}

export const realHost: HostFacts = {
  mountinfo: () => readFileSync('/proc/self/mountinfo', 'utf8'),
  controllers: (p) => {
    try {
      return readFileSync(`${p}/cgroup.controllers`, 'utf8');
    } catch {
      return '';
    }
  },
  version: (path) => {
    try {
      return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  },
};

/** The hybrid layout: /sys/fs/cgroup is not cgroup2, and /sys/fs/cgroup/unified is a cgroup2 mount with controllers. */
export function hybridUnifiedWithControllers(h: HostFacts): boolean {
  let rootIsV2 = false;
  let unified = '';
  for (const line of h.mountinfo().split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const point = line.slice(0, sep).split(' ')[4] ?? '';
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (point === '/sys/fs/cgroup') rootIsV2 = fstype === 'cgroup2';
    else if (fstype === 'cgroup2' && point === '/sys/fs/cgroup/unified') unified = point; // the mount the wrapper hides
  }
  return !rootIsV2 && unified !== '' && h.controllers(unified).trim() !== '';
}

/** Whether the runtime says it is crun (`crun version …`), asked once per binary. */
const crunAnswers = new Map<string, boolean>();
export function isCrun(runtimePath: string, h: HostFacts = realHost): boolean {
  if (h !== realHost) return /^crun\b/m.test(h.version(runtimePath));
  let yes = crunAnswers.get(runtimePath);
  if (yes === undefined) crunAnswers.set(runtimePath, (yes = /^crun\b/m.test(h.version(runtimePath))));
  return yes;
}

/** The decision for one handler (pure but for what `h` reads). */
export function hideUnifiedCgroup(setting: HideUnifiedSetting, runtimePath: string, h: HostFacts = realHost): boolean {
  if (setting !== 'auto') return setting;
  return isCrun(runtimePath, h) && hybridUnifiedWithControllers(h);
}

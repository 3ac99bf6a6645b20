// With the systemd cgroup driver, every monitor (conmon) rktlet starts runs in a transient scope
// unit named after its pod, as the original rktlet ran each pod's `rkt` with `systemd-run`:
//   rktlet-pod-<pod id>-conmon-<container id>.scope   in system.slice
// so `systemctl list-units 'rktlet-pod-<pod id>-*'` lists a pod's monitors and systemd, not the
// daemon's unit, owns their cgroup: restarting or stopping rktlet.service leaves them running.
// A scope holds the processes it was started with, so each monitor has one (a pod-wide scope could
// not take the pod's later containers); `--collect` lets systemd forget it when it ends, even failed.
// CRI-O does the same through D-Bus (StartTransientUnit with conmon's pid, after starting it):
// scope "crio-conmon-<id>.scope" in its conmon_cgroup, "system.slice" by default. rktlet has no
// D-Bus client, and `systemd-run --scope` execs its command in place once the scope exists, so
// conmon never runs outside it (CRI-O moves it in after it started).
import { escapeUnitNamePart } from './unit-names.js';

/** Where the monitors' scopes go: CRI-O's default conmon_cgroup. Out of the pod's slice, so a pod at its memory limit cannot OOM-kill the process that records its containers' exits. */
export const MONITOR_SLICE = 'system.slice';

export interface MonitorScope {
  podId: string;
  containerId: string;
}

export function monitorScopeName(s: MonitorScope): string {
  return `rktlet-pod-${escapeUnitNamePart(s.podId)}-conmon-${escapeUnitNamePart(s.containerId)}.scope`;
}

/** The argv that runs `command` in the monitor's scope (pure). */
export function monitorScopeArgv(s: MonitorScope, command: readonly string[]): string[] {
  return [
    'systemd-run',
    '--scope',
    '--quiet',
    '--collect',
    `--unit=${monitorScopeName(s)}`,
    `--slice=${MONITOR_SLICE}`,
    // No ordering after basic.target nor stop at shutdown's conflicts: a monitor is started by a
    // running daemon, and must outlive that daemon's unit.
    '--property=DefaultDependencies=no',
    `--description=rktlet monitor of container ${s.containerId} in pod ${s.podId}`,
    ...command,
  ];
}

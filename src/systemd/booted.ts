// Is systemd PID 1? The test sd_booted() makes: the directory /run/systemd/system exists (systemd
// creates it early at boot; a systemd installed but not running as init never does). With it the
// `auto` cgroup driver becomes `systemd`, as the kubelet expects on such hosts (its own default is
// cgroupfs, but kubeadm sets systemd wherever systemd is init).
import { statSync } from 'node:fs';

export type CgroupDriverSetting = 'auto' | 'cgroupfs' | 'systemd';
export type CgroupDriver = 'cgroupfs' | 'systemd';

export const SYSTEMD_RUN_DIR = '/run/systemd/system';

/** sd_booted(): the directory exists (a file of that name does not count). */
export function systemdBooted(runDir = SYSTEMD_RUN_DIR): boolean {
  return statSync(runDir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The driver in effect: an explicit choice stands; `auto` follows whether systemd is init. */
export function effectiveCgroupDriver(setting: CgroupDriverSetting, booted: boolean): CgroupDriver {
  if (setting === 'auto') return booted ? 'systemd' : 'cgroupfs';
  return setting;
}

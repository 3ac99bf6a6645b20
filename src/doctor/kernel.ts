// The kernel: its version (which features it can have) and overlayfs (every container's root).
import { atLeast, parseVersion, type Finding } from './finding.js';

/** Oldest kernel rktlet supports: overlayfs with redirect_dir and index, pidfds, cgroup v2 PSI (5.4 LTS). */
export const MIN_KERNEL = [5, 4, 0];
/** mount_setattr: idmapped and recursive read-only mounts. */
export const MOUNT_SETATTR_KERNEL = [5, 12, 0];

export function kernelFindings(osrelease: string, filesystems: string): Finding[] {
  const release = osrelease.trim();
  const v = parseVersion(release);
  const out: Finding[] = [];
  if (!v) {
    out.push({ check: 'kernel.version', status: 'warn', summary: `cannot read the kernel version ("${release}")`, fix: 'check /proc/sys/kernel/osrelease' });
  } else if (!atLeast(v, MIN_KERNEL)) {
    out.push({
      check: 'kernel.version',
      status: 'fail',
      summary: `kernel ${release} is older than ${MIN_KERNEL.join('.')}`,
      fix: `run a kernel ${MIN_KERNEL.join('.')} or newer (Debian 12 ships 6.1)`,
      facts: { release },
    });
  } else if (!atLeast(v, MOUNT_SETATTR_KERNEL)) {
    out.push({
      check: 'kernel.version',
      status: 'warn',
      summary: `kernel ${release}: no mount_setattr, so no idmapped or recursive read-only mounts`,
      fix: `a kernel ${MOUNT_SETATTR_KERNEL.join('.')} or newer gives both`,
      facts: { release },
    });
  } else {
    out.push({ check: 'kernel.version', status: 'ok', summary: `kernel ${release} (mount_setattr: idmapped and recursive read-only mounts)`, facts: { release } });
  }
  const overlay = filesystems.split('\n').some((l) => l.trim().split(/\s+/).pop() === 'overlay');
  out.push(
    overlay
      ? { check: 'kernel.overlayfs', status: 'ok', summary: 'overlayfs is available (container root filesystems)' }
      : {
          check: 'kernel.overlayfs',
          status: 'fail',
          summary: 'overlayfs is not in /proc/filesystems: no container can get a root filesystem',
          fix: 'modprobe overlay (and add it to /etc/modules), or use a kernel built with CONFIG_OVERLAY_FS',
        },
  );
  return out;
}

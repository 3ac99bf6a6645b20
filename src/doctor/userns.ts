// User namespaces (pods with hostUsers: false) and idmapped mounts, which give their files the
// right owners without a chowned copy.
import type { Finding } from './finding.js';
import { atLeast, parseVersion } from './finding.js';

export function usernsFinding(maxUserNamespaces: string | undefined): Finding {
  const n = Number(maxUserNamespaces?.trim());
  if (maxUserNamespaces === undefined || Number.isNaN(n)) {
    return {
      check: 'kernel.user_namespaces',
      status: 'warn',
      summary: 'the kernel has no user namespaces (/proc/sys/user/max_user_namespaces is missing)',
      fix: 'a kernel built with CONFIG_USER_NS is needed for pods with hostUsers: false',
    };
  }
  if (n === 0) {
    return {
      check: 'kernel.user_namespaces',
      status: 'warn',
      summary: 'user namespaces are switched off (user.max_user_namespaces = 0): pods with hostUsers: false cannot run',
      fix: 'sysctl -w user.max_user_namespaces=15000 (and persist it in /etc/sysctl.d)',
      facts: { max_user_namespaces: n },
    };
  }
  return { check: 'kernel.user_namespaces', status: 'ok', summary: `user namespaces are available (at most ${n})`, facts: { max_user_namespaces: n } };
}

/** The idmap probe's outcome: `ok <uid>` on stdout, or an error. */
export interface IdmapProbeResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Where the probe ran (a temp dir on the state disk). */
  dir: string;
  fsType: string;
}

const PROBE_OUTER_UID = 100000;

export function idmapFinding(r: IdmapProbeResult): Finding {
  const facts = { dir: r.dir, fs_type: r.fsType };
  const m = /^ok (\d+)$/m.exec(r.stdout);
  if (r.exitCode === 0 && m && Number(m[1]) === PROBE_OUTER_UID) {
    return { check: 'kernel.idmapped_mounts', status: 'ok', summary: `idmapped mounts work on the state disk (${r.fsType})`, facts };
  }
  const why = (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).split('\n').pop() ?? '';
  const unsupported = /ENOSYS/.test(why)
    ? 'the kernel has no mount_setattr'
    : /EINVAL|EPERM|EOPNOTSUPP/.test(why)
      ? `the state disk's file system (${r.fsType}) or the kernel does not support idmapped mounts`
      : 'the probe failed';
  return {
    check: 'kernel.idmapped_mounts',
    status: 'warn',
    summary: `idmapped mounts do not work on the state disk: ${unsupported} (${why})`,
    fix: 'user-namespaced pods then need a chowned copy of each image per mapping; a kernel 5.12+ (6.3+ for tmpfs) and ext4, xfs or btrfs under the state root give idmapped mounts',
    facts,
  };
}

/**
 * What an OCI runtime can do for user namespaces: runc gained idmapped mounts in 1.2.0; crun
 * makes them from 1.8 (its `idmap` mount option).
 */
export function runtimeIdmapFinding(handler: string, kind: 'runc' | 'crun' | 'other', version: string): Finding {
  const v = parseVersion(version);
  const since = kind === 'runc' ? [1, 2, 0] : kind === 'crun' ? [1, 8, 0] : undefined;
  if (!since || !v) {
    return { check: `runtime.${handler}.idmapped_mounts`, status: 'info', summary: `handler ${handler}: idmapped mount support of this runtime is not known` };
  }
  if (atLeast(v, since)) {
    return { check: `runtime.${handler}.idmapped_mounts`, status: 'ok', summary: `handler ${handler} (${kind} ${v.join('.')}) makes idmapped mounts` };
  }
  return {
    check: `runtime.${handler}.idmapped_mounts`,
    status: 'warn',
    summary: `handler ${handler} (${kind} ${v.join('.')}) cannot make idmapped mounts (${kind} ${since.join('.')} can)`,
    fix: `user-namespaced pods on this handler need a chowned copy of the image; install ${kind} ${since.join('.')} or newer, or use another handler`,
  };
}

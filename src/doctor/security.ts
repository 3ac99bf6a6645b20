// The kernel's confinement features: seccomp (RuntimeDefault needs it), AppArmor and SELinux.
import type { Finding } from './finding.js';

/** From /proc/self/status (a Seccomp: line exists when the kernel has CONFIG_SECCOMP) and actions_avail. */
export function seccompFinding(status: string, actionsAvail: string | undefined): Finding {
  if (!/^Seccomp:/m.test(status)) {
    return {
      check: 'kernel.seccomp',
      status: 'fail',
      summary: 'the kernel has no seccomp: the RuntimeDefault profile cannot be applied, so containers would fail to start',
      fix: 'run a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER',
    };
  }
  const actions = (actionsAvail ?? '').trim().split(/\s+/).filter(Boolean);
  const needed = ['errno', 'allow'];
  const missing = actionsAvail === undefined ? [] : needed.filter((a) => !actions.includes(a));
  if (missing.length) {
    return {
      check: 'kernel.seccomp',
      status: 'fail',
      summary: `seccomp lacks the actions ${missing.join(', ')}`,
      fix: 'run a kernel built with CONFIG_SECCOMP_FILTER',
      facts: { actions },
    };
  }
  return { check: 'kernel.seccomp', status: 'ok', summary: `seccomp filters are available (RuntimeDefault applies)${actions.length ? `: ${actions.join(' ')}` : ''}`, facts: { actions } };
}

export interface LsmFacts {
  /** /sys/module/apparmor/parameters/enabled ("Y"/"N"), undefined when absent. */
  apparmorEnabled: string | undefined;
  /** /sys/fs/selinux/enforce ("1"/"0"), undefined when SELinux is not mounted. */
  selinuxEnforce: string | undefined;
  /** /sys/kernel/security/lsm, when readable. */
  lsmList: string | undefined;
}

export function lsmFindings(f: LsmFacts): Finding[] {
  const lsms = (f.lsmList ?? '').trim();
  const apparmor = f.apparmorEnabled?.trim() === 'Y';
  const out: Finding[] = [
    apparmor
      ? { check: 'lsm.apparmor', status: 'ok', summary: 'AppArmor is enabled: Localhost AppArmor profiles are applied by name' }
      : {
          check: 'lsm.apparmor',
          status: 'info',
          summary: 'AppArmor is not enabled: containers asking for a Localhost AppArmor profile are refused (RuntimeDefault and Unconfined run)',
          fix: 'only needed for pods with Localhost AppArmor profiles: boot with apparmor=1 security=apparmor',
          facts: { lsm: lsms },
        },
  ];
  if (f.selinuxEnforce === undefined) {
    out.push({ check: 'lsm.selinux', status: 'info', summary: 'SELinux is not enabled', facts: { lsm: lsms } });
  } else {
    const enforcing = f.selinuxEnforce.trim() === '1';
    out.push({
      check: 'lsm.selinux',
      status: 'warn',
      summary: `SELinux is ${enforcing ? 'enforcing' : 'permissive'}, and rktlet does not label containers: ${enforcing ? 'containers may be denied access to their files' : 'denials are only logged'}`,
      fix: 'run rktlet where SELinux is disabled, or label its state root (container_var_lib_t) by hand',
    });
  }
  return out;
}

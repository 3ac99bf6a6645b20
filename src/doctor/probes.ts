// Reading the host for the checks: files of /proc and /sys, `--version` of each program, the CNI
// config, statfs of the state roots and the idmap probe. Everything runs at once (about 0.2 s
// here); nothing is written but the idmap probe's temp dir, removed before returning.
import { pathExists } from '../util/path-exists.js';
import { access, constants, readFile, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { executeDirect } from '../util/command.js';
import { PYTHON } from '../oci/conmon-runtime/pty-relay.js';
import { defaultNetworkConfig, findPlugin, loadNetworkConfig } from '../network/cni-config.js';
import { cgroupFindings } from './cgroups.js';
import { configSecurityFindings } from './config-security.js';
import { diskFinding, fsName, type DiskFacts } from './disk.js';
import type { Finding } from './finding.js';
import { probeIdmap } from './idmap-probe.js';
import { kernelFindings } from './kernel.js';
import { lsmFindings, seccompFinding } from './security.js';
import { cniFindings, conmonFinding, helperFinding, iptablesFinding, runtimeFinding, type CniPluginFacts, type ToolRun } from './tools.js';
import { idmapFinding, runtimeIdmapFinding, usernsFinding } from './userns.js';

const read = (p: string): Promise<string | undefined> => readFile(p, 'utf8').catch(() => undefined);


/** Runs `path args…` (2 s at most); ok when it exits 0. */
async function tool(path: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ToolRun> {
  try {
    await access(path, constants.X_OK);
  } catch (err) {
    return { path, ok: false, output: '', error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
  try {
    const r = await executeDirect(path, args, { timeoutMs: 2000, ...(env ? { env } : {}) });
    const output = (r.stdout.toString() + r.stderr.toString()).trim();
    if (r.code === 0) return { path, ok: true, output };
    return { path, ok: false, output, error: r.timedOut ? 'timed out after 2 s' : `exit ${r.code ?? r.signal}: ${output.split('\n')[0] ?? ''}` };
  } catch (err) {
    return { path, ok: false, output: '', error: err instanceof Error ? err.message : String(err) };
  }
}

/** A program on the PATH the daemon uses (Debian's sbin and bin dirs). */
async function onPath(name: string): Promise<string> {
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (await pathExists(join(d, name))) return join(d, name);
  return name;
}

/** statfs of `path`, or of its nearest existing parent (a fresh host has no state root yet). */
async function diskFacts(key: DiskFacts['key'], path: string): Promise<DiskFacts & { at: string }> {
  let at = path;
  for (;;) {
    try {
      const s = await statfs(at);
      return { key, path, exists: at === path, at, statfs: { type: s.type, bsize: s.bsize, blocks: s.blocks, bavail: s.bavail, files: s.files, ffree: s.ffree } };
    } catch {
      if (dirname(at) === at) return { key, path, exists: false, at, statfs: undefined };
      at = dirname(at);
    }
  }
}

async function cniPluginFacts(type: string, dirs: string[]): Promise<CniPluginFacts> {
  const path = await findPlugin(type, dirs);
  if (!path) return { type, path, versionJson: '', about: '' };
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const [v, about] = await Promise.all([tool(path, [], { ...env, CNI_COMMAND: 'VERSION' }), tool(path, [], env)]);
  return { type, path, versionJson: v.output, about: about.output };
}

async function cniChecks(config: Config): Promise<Finding[]> {
  const n = config.network;
  const loaded = await loadNetworkConfig(n.conf_dir, n.plugin_dirs);
  const noneThere = !loaded.ok && /no CNI network config found/.test(loaded.message);
  // The plugins of the config found, or of the default network the daemon would write.
  const list = loaded.ok
    ? loaded.network.plugins
    : noneThere && n.write_default_config
      ? defaultNetworkConfig({ bridge: n.default_bridge, subnet: n.default_subnet, dataDir: '' }).plugins
      : [];
  // IPAM plugins (host-local, dhcp…) are named inside their main plugin.
  const types = list.flatMap((p) => [p.type, ...(typeof (p.ipam as { type?: unknown } | undefined)?.type === 'string' ? [(p.ipam as { type: string }).type] : [])]);
  const plugins = await Promise.all([...new Set(types)].map((t) => cniPluginFacts(t, n.plugin_dirs)));
  return cniFindings({
    confDir: n.conf_dir,
    pluginDirs: n.plugin_dirs,
    config: loaded.ok ? { file: loaded.network.file, cniVersion: loaded.network.cniVersion } : undefined,
    configError: loaded.ok || noneThere ? undefined : loaded.message,
    writeDefault: n.write_default_config,
    plugins,
  });
}

function runtimeKind(path: string, output: string): 'runc' | 'crun' | 'other' {
  const first = `${basename(path)} ${output.split('\n')[0] ?? ''}`;
  return /\bcrun\b/.test(first) ? 'crun' : /\brunc\b/.test(first) ? 'runc' : 'other';
}

async function runtimeChecks(config: Config): Promise<Finding[]> {
  const out = await Promise.all(
    Object.entries(config.runtime.handlers).map(async ([name, h]) => {
      const r = await tool(h.path, ['--version']);
      const f = [runtimeFinding(name, name === config.runtime.default_handler, r)];
      if (r.ok) f.push(runtimeIdmapFinding(name, runtimeKind(h.path, r.output), r.output.split('\n')[0] ?? ''));
      return f;
    }),
  );
  if (!config.runtime.handlers[config.runtime.default_handler]) {
    out.push([
      {
        check: 'runtime.default_handler',
        status: 'fail',
        summary: `runtime.default_handler "${config.runtime.default_handler}" names no handler in runtime.handlers`,
        fix: 'set runtime.default_handler to one of runtime.handlers',
      },
    ]);
  }
  return out.flat();
}

async function helperChecks(config: Config): Promise<Finding[]> {
  const [conmon, catatonit, nsenter, python, setfattr, unshare, mount, iptables, legacy] = await Promise.all([
    tool(config.runtime.conmon, ['--version']),
    tool(config.pod.infra_init, ['--version']),
    onPath('nsenter').then((p) => tool(p, ['--version'])),
    tool(PYTHON, ['--version']),
    onPath('setfattr').then((p) => tool(p, ['--version'])),
    onPath('unshare').then((p) => tool(p, ['--version'])),
    onPath('mount').then((p) => tool(p, ['--version'])),
    onPath('iptables').then((p) => tool(p, ['--version'])),
    read('/proc/net/ip_tables_names'),
  ]);
  const infraNeeded = !config.pod.drop_infra && !config.pod.pause_image;
  return [
    conmonFinding(conmon),
    helperFinding(
      'infra_init',
      catatonit,
      infraNeeded ? 'fail' : 'warn',
      infraNeeded ? 'no pod can start (pod.drop_infra is off)' : 'pods that share one PID namespace cannot start',
      'apt-get install catatonit, or set pod.infra_init (or pod.pause_image)',
    ),
    helperFinding('nsenter', nsenter, 'warn', 'port forwarding into pods fails', 'apt-get install util-linux'),
    helperFinding('python3', python, 'warn', 'exec with a TTY, attach and the command helper do not work', 'apt-get install python3'),
    helperFinding('setfattr', setfattr, 'warn', 'extended attributes of image files (file capabilities) are lost at unpack', 'apt-get install attr'),
    helperFinding('unshare', unshare, 'fail', 'pods cannot pin their namespaces', 'apt-get install util-linux'),
    helperFinding('mount', mount, 'fail', 'no root filesystem or volume can be mounted', 'apt-get install mount'),
    iptablesFinding(iptables, legacy),
  ];
}

async function kernelChecks(config: Config): Promise<Finding[]> {
  const [osrelease, filesystems, maxUserNs, status, actions, apparmor, selinux, lsm, mountinfo, procCgroups, unified, v2root, systemd, root, runRoot] = await Promise.all([
    read('/proc/sys/kernel/osrelease'),
    read('/proc/filesystems'),
    read('/proc/sys/user/max_user_namespaces'),
    read('/proc/self/status'),
    read('/proc/sys/kernel/seccomp/actions_avail'),
    read('/sys/module/apparmor/parameters/enabled'),
    read('/sys/fs/selinux/enforce'),
    read('/sys/kernel/security/lsm'),
    read('/proc/self/mountinfo'),
    read('/proc/cgroups'),
    read('/sys/fs/cgroup/unified/cgroup.controllers'),
    read('/sys/fs/cgroup/cgroup.controllers'),
    pathExists('/run/systemd/system'),
    diskFacts('root', config.root),
    diskFacts('run_root', config.run_root),
  ]);
  const idmap = await probeIdmap(root.at, root.statfs ? fsName(root.statfs.type) : 'unknown', PYTHON);
  return [
    ...kernelFindings(osrelease ?? '', filesystems ?? ''),
    usernsFinding(maxUserNs),
    idmapFinding(idmap),
    seccompFinding(status ?? '', actions),
    ...lsmFindings({ apparmorEnabled: apparmor, selinuxEnforce: selinux, lsmList: lsm }),
    ...cgroupFindings({
      mountinfo: mountinfo ?? '',
      procCgroups: procCgroups ?? '',
      v2Controllers: v2root ?? unified,
      driver: config.runtime.cgroup_driver,
      systemdRunning: systemd,
    }),
    diskFinding(root),
    diskFinding(runRoot),
  ];
}

/** Every check, in a stable order: kernel, cgroups, LSMs, disk, runtimes, tools, CNI, the config's security defaults. */
export async function runChecks(config: Config): Promise<Finding[]> {
  const [kernel, runtimes, helpers, cni] = await Promise.all([kernelChecks(config), runtimeChecks(config), helperChecks(config), cniChecks(config)]);
  // The daemon runs as root; some probes (the idmapped mount) need it to answer for the daemon.
  const uid = process.geteuid?.() ?? 0;
  const who: Finding[] =
    uid === 0
      ? []
      : [{ check: 'doctor.root', status: 'warn', summary: `doctor runs as uid ${uid}, not root: probes that need root answer for this user, not for the daemon`, fix: 'run rktlet doctor as root' }];
  return [...who, ...kernel, ...runtimes, ...helpers, ...cni, ...configSecurityFindings(config)];
}

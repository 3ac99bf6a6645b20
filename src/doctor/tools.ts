// The programs rktlet drives: OCI runtimes, conmon, CNI plugins, the infra init, the helpers
// (nsenter, python3, setfattr, unshare, mount; zstd layers are Node's own since Node 24) and iptables, with their versions.
import type { Finding, Status } from './finding.js';
import { parseVersion } from './finding.js';

/** A program looked for: its --version output, or why it did not run (ENOENT: absent). */
export interface ToolRun {
  path: string;
  ok: boolean;
  output: string;
  error?: string;
}

/** The first line that holds a version, trimmed ("runc version 1.1.5+ds1" → that line). */
export function versionLine(output: string): string {
  return (output.split('\n').find((l) => parseVersion(l)) ?? output.split('\n')[0] ?? '').trim();
}

function absent(r: ToolRun): boolean {
  return !r.ok && /ENOENT|not found|No such file/i.test(r.error ?? '');
}

/** An OCI runtime handler: present and answering --version. The default handler missing fails. */
export function runtimeFinding(handler: string, isDefault: boolean, r: ToolRun): Finding {
  const check = `runtime.${handler}`;
  if (r.ok) return { check, status: 'ok', summary: `handler ${handler}: ${r.path}: ${versionLine(r.output)}`, facts: { path: r.path, version: versionLine(r.output) } };
  const status: Status = isDefault ? 'fail' : 'warn';
  const role = isDefault ? 'the default handler: no pod can run' : 'pods of this RuntimeClass cannot run';
  return absent(r)
    ? { check, status, summary: `handler ${handler}: ${r.path} is not installed (${role})`, fix: `install it (apt-get install ${handler}) or set runtime.handlers.${handler}.path` }
    : { check, status, summary: `handler ${handler}: ${r.path} --version failed: ${r.error ?? ''} (${role})`, fix: `reinstall ${r.path}` };
}

export function conmonFinding(r: ToolRun): Finding {
  if (r.ok) return { check: 'tools.conmon', status: 'ok', summary: `conmon: ${r.path}: ${versionLine(r.output)}`, facts: { path: r.path, version: versionLine(r.output) } };
  return {
    check: 'tools.conmon',
    status: 'fail',
    summary: `conmon ${r.path} ${absent(r) ? 'is not installed' : `does not run: ${r.error ?? ''}`}: no container can start`,
    fix: 'apt-get install conmon, or set runtime.conmon',
  };
}

/** A helper program: what breaks without it decides how bad its absence is. */
export function helperFinding(name: string, r: ToolRun, needed: Status, without: string, fix: string): Finding {
  if (r.ok) return { check: `tools.${name}`, status: 'ok', summary: `${name}: ${r.path}${versionLine(r.output) ? `: ${versionLine(r.output)}` : ''}`, facts: { path: r.path } };
  return { check: `tools.${name}`, status: needed, summary: `${name} (${r.path}) is ${absent(r) ? 'not installed' : `broken: ${r.error ?? ''}`}: ${without}`, fix };
}

/** iptables --version: "iptables v1.8.9 (nf_tables)"; legacy tables in use (/proc/net/ip_tables_names) beside nft ones mix two rule sets. */
export function iptablesFinding(r: ToolRun, legacyTables: string | undefined): Finding {
  if (!r.ok) {
    return {
      check: 'tools.iptables',
      status: 'fail',
      summary: `iptables (${r.path}) is ${absent(r) ? 'not installed' : `broken: ${r.error ?? ''}`}: the portmap and bridge CNI plugins cannot set up NAT`,
      fix: 'apt-get install iptables',
    };
  }
  const line = versionLine(r.output);
  const flavour = /\(nf_tables\)/.test(line) ? 'nf_tables' : /\(legacy\)/.test(line) ? 'legacy' : 'unknown';
  const legacy = (legacyTables ?? '').trim().split(/\s+/).filter(Boolean);
  if (flavour === 'nf_tables' && legacy.length) {
    return {
      check: 'tools.iptables',
      status: 'warn',
      summary: `iptables is the nf_tables flavour, but legacy tables are in use too (${legacy.join(', ')}): rules of one flavour are invisible to the other`,
      fix: 'use one flavour on the host (update-alternatives --set iptables /usr/sbin/iptables-nft, and move the legacy rules)',
      facts: { flavour, legacy_tables: legacy },
    };
  }
  return { check: 'tools.iptables', status: 'ok', summary: `iptables: ${line} (${flavour} flavour, what the CNI plugins use)`, facts: { flavour, version: line } };
}

export interface CniPluginFacts {
  type: string;
  /** Where it was found; undefined: in no plugin dir. */
  path: string | undefined;
  /** Its output with CNI_COMMAND=VERSION: {"supportedVersions":[…]}. */
  versionJson: string;
  /** Its output run bare: "CNI bridge plugin v1.1.1" (Debian's builds say "version unknown"). */
  about: string;
}

export interface CniFacts {
  confDir: string;
  pluginDirs: string[];
  /** The config file found and its cniVersion; undefined: none (the default one is written at start when allowed). */
  config: { file: string; cniVersion: string } | undefined;
  /** Why no config is usable, when none is. */
  configError: string | undefined;
  writeDefault: boolean;
  plugins: CniPluginFacts[];
}

function supportedVersions(json: string): string[] {
  try {
    return (JSON.parse(json) as { supportedVersions?: string[] }).supportedVersions ?? [];
  } catch {
    return [];
  }
}

export function cniFindings(f: CniFacts): Finding[] {
  const out: Finding[] = [];
  if (f.config) {
    out.push({ check: 'cni.config', status: 'ok', summary: `CNI network config ${f.config.file} (cniVersion ${f.config.cniVersion || 'unset'})` });
  } else if (f.writeDefault && !f.configError) {
    out.push({ check: 'cni.config', status: 'ok', summary: `no CNI config in ${f.confDir}: the daemon writes its default bridge network there at start (network.write_default_config)` });
  } else {
    out.push({
      check: 'cni.config',
      status: 'fail',
      summary: `no usable CNI config in ${f.confDir}${f.configError ? `: ${f.configError}` : ''}: pods get no network (NetworkReady false)`,
      fix: `put a network config in ${f.confDir}, or set network.write_default_config = true`,
    });
  }
  for (const p of f.plugins) {
    if (!p.path) {
      out.push({
        check: `cni.${p.type}`,
        status: 'fail',
        summary: `CNI plugin ${p.type} is in none of ${f.pluginDirs.join(', ')}`,
        fix: 'apt-get install containernetworking-plugins, or add its directory to network.plugin_dirs',
      });
      continue;
    }
    const supported = supportedVersions(p.versionJson);
    const own = /\bv?(\d+\.\d+\.\d+)\b/.exec(p.about.split('\n')[0] ?? '')?.[1];
    const version = own ? `v${own}` : 'version unknown';
    const wanted = f.config?.cniVersion;
    if (wanted && supported.length && !supported.includes(wanted)) {
      out.push({
        check: `cni.${p.type}`,
        status: 'fail',
        summary: `CNI plugin ${p.path} (${version}) does not speak cniVersion ${wanted} of ${f.config?.file ?? ''} (it speaks ${supported.join(', ')})`,
        fix: 'install newer plugins or lower the config\'s cniVersion',
      });
    } else {
      out.push({
        check: `cni.${p.type}`,
        status: 'ok',
        summary: `CNI plugin ${p.path} (${version}; CNI ${supported.length ? supported[supported.length - 1] : '?'})`,
        facts: { path: p.path, supported_versions: supported },
      });
    }
  }
  return out;
}

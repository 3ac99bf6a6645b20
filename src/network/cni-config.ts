// Finding the CNI network config: the first file in the conf dir (name order), as kubelet-era
// runtimes do. A config is usable only when every plugin it names exists in a plugin dir.
import { readdir, readFile, access, constants, mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomic-file.js';
import { join } from 'node:path';

export interface CniPluginConf {
  type: string;
  [key: string]: unknown;
}

export interface CniNetworkList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
  /** The file it came from. */
  file: string;
}

export type CniConfigResult =
  | { ok: true; network: CniNetworkList }
  | { ok: false; reason: string; message: string };

const CONFIG_EXTENSIONS = ['.conf', '.conflist', '.json'];

/** Parses one config file; a single-plugin `.conf` becomes a one-element list. */
export function parseNetworkConfig(text: string, file: string): CniNetworkList {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const cniVersion = typeof raw.cniVersion === 'string' ? raw.cniVersion : '';
  const name = typeof raw.name === 'string' ? raw.name : '';
  if (!name) throw new Error('missing "name"');
  let plugins: CniPluginConf[];
  if (Array.isArray(raw.plugins)) {
    plugins = raw.plugins as CniPluginConf[];
  } else if (typeof raw.type === 'string') {
    plugins = [raw as CniPluginConf];
  } else {
    throw new Error('neither "plugins" nor "type" is set');
  }
  if (plugins.length === 0) throw new Error('"plugins" is empty');
  for (const p of plugins) if (typeof p?.type !== 'string') throw new Error('a plugin has no "type"');
  return { cniVersion, name, plugins, file };
}

export async function findPlugin(type: string, pluginDirs: readonly string[]): Promise<string | undefined> {
  for (const dir of pluginDirs) {
    const p = join(dir, type);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

export async function loadNetworkConfig(confDir: string, pluginDirs: readonly string[]): Promise<CniConfigResult> {
  let names: string[];
  try {
    names = (await readdir(confDir)).filter((n) => CONFIG_EXTENSIONS.some((e) => n.endsWith(e))).sort();
  } catch {
    names = [];
  }
  if (names.length === 0) {
    return { ok: false, reason: 'NetworkPluginNotReady', message: `no CNI network config found in ${confDir}` };
  }
  const errors: string[] = [];
  for (const n of names) {
    const file = join(confDir, n);
    let network: CniNetworkList;
    try {
      network = parseNetworkConfig(await readFile(file, 'utf8'), file);
    } catch (err) {
      errors.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const missing: string[] = [];
    for (const p of network.plugins) if (!(await findPlugin(p.type, pluginDirs))) missing.push(p.type);
    if (missing.length) {
      errors.push(`${file}: CNI plugin(s) ${missing.join(', ')} not found in ${pluginDirs.join(', ')}`);
      continue;
    }
    return { ok: true, network };
  }
  return { ok: false, reason: 'NetworkPluginNotReady', message: errors.join('; ') };
}

export interface DefaultNetworkOptions {
  bridge: string;
  subnet: string;
  /** host-local keeps its allocations here (under rktlet's own state, never /var/lib/cni). */
  dataDir: string;
}

/** The default network: bridge + host-local + portmap, named after its bridge (pure). `lo` is up from the netns' creation. */
export function defaultNetworkConfig(o: DefaultNetworkOptions): Omit<CniNetworkList, 'file'> {
  return {
    cniVersion: '1.0.0',
    name: o.bridge,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.dataDir },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export const DEFAULT_CONFIG_FILE = '10-rktlet.conflist';

/**
 * Writes the default network into confDir when it holds no config at all (the kubelet waits for
 * NetworkReady before it sends pods). Returns the file written, or undefined when one existed.
 */
export async function ensureDefaultNetworkConfig(confDir: string, o: DefaultNetworkOptions): Promise<string | undefined> {
  await mkdir(confDir, { recursive: true, mode: 0o755 });
  const existing = (await readdir(confDir)).filter((n) => CONFIG_EXTENSIONS.some((e) => n.endsWith(e)));
  if (existing.length) return undefined;
  const file = join(confDir, DEFAULT_CONFIG_FILE);
  await writeFileAtomic(file, JSON.stringify(defaultNetworkConfig(o), null, 2) + '\n', 0o644);
  return file;
}

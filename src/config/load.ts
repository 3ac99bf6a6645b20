// Loading the effective configuration: defaults < main file < conf.d drop-ins (name order) < flags.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ConfigError } from '../errors/catalog.js';
import { handlerRoot } from '../oci/handler-root.js';

export const DEFAULT_CONFIG_FILE = '/etc/rktlet/rktlet.toml';

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Tables merge key by key; anything else (scalars, arrays) is replaced by the later layer. */
export function mergeLayers(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isTree(prev) && isTree(v) ? mergeLayers(prev, v) : v;
  }
  return out;
}

function readToml(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${file}`, { cause: err });
  }
  try {
    return parseToml(text) as Tree;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    throw new ConfigError('', `${file}${where}: ${err instanceof Error ? err.message.split('\n')[0] : err}`, {
      cause: err,
    });
  }
}

/** Turns the first schema issue into a message naming the dotted key. */
function describeIssue(issue: z.core.$ZodIssue, source: string): ConfigError {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return new ConfigError(keys[0] ?? path, `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')} in ${source}`);
  }
  return new ConfigError(path, `${issue.message} in ${source}`);
}

export interface LoadOptions {
  /** An explicit file: it must exist. Undefined: DEFAULT_CONFIG_FILE when it exists. Null: none. */
  file?: string | null;
  /** Values from command-line flags, as a partial config tree. */
  overrides?: Tree;
}

export interface LoadedConfig {
  config: Config;
  /** The files read, in order. */
  sources: string[];
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const file = opts.file === undefined ? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null) : opts.file;
  const sources: string[] = [];
  let tree: Tree = {};
  if (file) {
    tree = readToml(file);
    sources.push(file);
    const dropIns = join(dirname(file), 'conf.d');
    if (existsSync(dropIns)) {
      for (const name of readdirSync(dropIns).filter((n) => n.endsWith('.toml')).sort()) {
        const f = join(dropIns, name);
        tree = mergeLayers(tree, readToml(f));
        sources.push(f);
      }
    }
  }
  if (opts.overrides) tree = mergeLayers(tree, opts.overrides);
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw first ? describeIssue(first, sources.join(', ') || 'flags') : new ConfigError('', 'invalid config');
  }
  return { config: resolveDerived(parsed.data), sources };
}

/** Fills the values whose defaults depend on other values (paths under run_root). */
export function resolveDerived(c: Config): Config {
  const out = structuredClone(c);
  if (!out.grpc.socket) out.grpc.socket = join(out.run_root, 'rktlet.sock');
  if (!out.network.netns_dir) out.network.netns_dir = join(out.run_root, 'netns');
  for (const [name, h] of Object.entries(out.runtime.handlers)) {
    h.root = handlerRoot(out.run_root, name, h);
  }
  if (!out.runtime.handlers[out.runtime.default_handler]) {
    throw new ConfigError('runtime.default_handler', `names handler "${out.runtime.default_handler}", which is not in runtime.handlers`);
  }
  return out;
}

/** The defaults alone, as used by unit tests and `rktlet config --defaults`. */
export function defaultConfig(overrides: Tree = {}): Config {
  return loadConfig({ file: null, overrides }).config;
}

export function configToToml(c: Config): string {
  return stringifyToml(c as unknown as Tree);
}

// Loading the effective configuration: defaults < main file < conf.d drop-ins (name order) < flags.
//
// The TOML parser and the schema (zod) are loaded only when a config must be validated: a config
// validated before under the same inputs comes from validated-cache.ts, which is most CLI verbs.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as SmolToml from 'smol-toml';
import type { z } from 'zod';
import type * as Schema from './schema.js';
import type { Config } from './schema.js';
import { ConfigError } from '../errors/catalog.js';
import { handlerRoot } from '../oci/handler-root.js';
import { readCached, writeCached } from './validated-cache.js';
import { systemdBooted } from '../systemd/booted.js';

// Synchronous loads of ES modules on first use (loadConfig is synchronous; Node 24 requires them).
const require = createRequire(import.meta.url);
const toml = (): typeof SmolToml => require('smol-toml') as typeof SmolToml;
const schema = (): typeof Schema => require('./schema.js') as typeof Schema;

/**
 * What a validation depends on besides its input: the schema's code (and the defaults it uses),
 * and the host facts its transforms read: whether systemd is init (the `auto` cgroup driver). A
 * transform that reads anything else from the host must add it here, or the cache would keep
 * the answer of a host that has changed.
 */
let schemaCode: string | undefined;
function schemaFingerprint(): string {
  schemaCode ??= ['./schema.js', '../oci/spec/defaults.js'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\0');
  return `${schemaCode}\0systemd=${systemdBooted()}`;
}

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

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${file}`, { cause: err });
  }
}

function parseTomlText(file: string, text: string): Tree {
  const { parse, TomlError } = toml();
  try {
    return parse(text) as Tree;
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
  /** Where validated configs are kept between runs (validated-cache.ts configCacheDir); none: always validate. */
  cacheDir?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The files read, in order. */
  sources: string[];
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const file = opts.file === undefined ? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null) : opts.file;
  const sources: string[] = [];
  if (file) {
    sources.push(file);
    const dropIns = join(dirname(file), 'conf.d');
    if (existsSync(dropIns)) sources.push(...readdirSync(dropIns).filter((n) => n.endsWith('.toml')).sort().map((n) => join(dropIns, n)));
  }
  const texts = sources.map(readText);
  const key = opts.cacheDir === undefined ? '' : JSON.stringify([schemaFingerprint(), sources, texts, opts.overrides ?? {}]);
  const cached = opts.cacheDir === undefined ? undefined : readCached<Config>(opts.cacheDir, key);
  if (cached) return { config: resolveDerived(cached), sources };
  let tree: Tree = {};
  sources.forEach((f, i) => (tree = mergeLayers(tree, parseTomlText(f, texts[i]!))));
  if (opts.overrides) tree = mergeLayers(tree, opts.overrides);
  const parsed = schema().configSchema.safeParse(tree);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw first ? describeIssue(first, sources.join(', ') || 'flags') : new ConfigError('', 'invalid config');
  }
  if (opts.cacheDir !== undefined) writeCached(opts.cacheDir, key, parsed.data);
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
  return toml().stringify(c as unknown as Tree);
}

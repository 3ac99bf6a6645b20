// Validated configurations, remembered across runs. Checking a config against its schema needs
// zod (and the TOML parser): about half of a read-only CLI verb's start-up, spent to reach the
// same answer as last time. The answer depends only on the inputs (the schema's code, each file's
// text, the flags), so it is kept under those inputs, compared whole on reading (a changed file,
// flag or schema is a miss and validates again). Only a success is kept.
//
// Root's alone, as the compile cache: a 0700 directory under /var/cache; what is read from it is
// trusted as a valid config. Anyone else, or a directory that is not private, runs without it.
import { readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { privateCacheDir } from '../util/private-dir.js';

export const CONFIG_CACHE_DIR = '/var/cache/rktlet/config-cache';
/** Entries kept; the oldest go (a test run with its own roots per call writes one per call). */
export const MAX_ENTRIES = 64;

/** The cache directory to use: CONFIG_CACHE_DIR for root when it is private, else none. */
export function configCacheDir(dir = CONFIG_CACHE_DIR): string | undefined {
  return process.geteuid?.() === 0 && privateCacheDir(dir, 0) ? dir : undefined;
}

/** FNV-1a, two 32-bit lanes: a file name for the key (the whole key is compared on reading). */
export function keyName(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0') + '.json';
}

/** The value kept under exactly `key`, or undefined. */
export function readCached<T>(dir: string, key: string): T | undefined {
  try {
    const entry = JSON.parse(readFileSync(join(dir, keyName(key)), 'utf8')) as { key?: unknown; value?: T };
    return entry.key === key ? entry.value : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `value` under `key` when JSON gives it back unchanged; a failure to write is no error. */
export function writeCached(dir: string, key: string, value: unknown): void {
  try {
    const text = JSON.stringify({ key, value });
    if (!isDeepStrictEqual((JSON.parse(text) as { value: unknown }).value, value)) return;
    const file = join(dir, keyName(key));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
    prune(dir);
  } catch {
    /* a cache: the next run validates again */
  }
}

function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((x, y) => x.t - y.t);
  for (const { n } of aged.slice(0, names.length - MAX_ENTRIES)) unlinkSync(join(dir, n));
}

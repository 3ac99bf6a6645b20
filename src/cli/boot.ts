// What runs before the CLI proper (bin/rktlet imports it): refuses a Node.js older than the line
// rktlet is built and tested on, and turns on V8's compile cache, which cuts a verb's start-up.
//
// The cache holds V8 code that later runs as root without its source being parsed again, so it
// lives only where root alone can write: a 0700 directory owned by root under /var/cache (never
// the temp dir Node picks by default, where anyone could plant one first). Anything else, and
// any other user, runs without it.
import module from 'node:module';
import { privateCacheDir } from '../util/private-dir.js';

export { privateCacheDir };

/** The oldest Node.js major this code runs on (package.json `engines`, README). */
export const MIN_NODE_MAJOR = 24;
export const COMPILE_CACHE_DIR = '/var/cache/rktlet/node-compile-cache';

/** Why this Node.js cannot run rktlet, or undefined when it can. */
export function nodeTooOld(version: string): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return `rktlet needs Node.js ${MIN_NODE_MAJOR} or later, and this is ${version}: scripts/setup-host.sh installs the pinned build (scripts/node-env.sh) into /opt/rktlet, which bin/rktlet then runs on`;
}

/** Turns the compile cache on for root when its directory is private; a no-op otherwise. */
export function enableCompileCache(dir = COMPILE_CACHE_DIR): boolean {
  if (process.geteuid?.() !== 0 || !privateCacheDir(dir, 0)) return false;
  const r = module.enableCompileCache(dir);
  return r.status === module.constants.compileCacheStatus.ENABLED || r.status === module.constants.compileCacheStatus.ALREADY_ENABLED;
}

export async function boot(): Promise<void> {
  const old = nodeTooOld(process.versions.node);
  if (old) {
    process.stderr.write(`${old}\n`);
    process.exit(1);
  }
  enableCompileCache();
  await import('./main.js');
}

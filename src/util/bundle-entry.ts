// Which file bin/rktlet runs: the bundle (dist/rktlet.mjs, scripts/bundle.mjs) when it is newer
// than every file it was made from, else the compiled modules. A `tsc` run after the last
// `npm run build` leaves the bundle behind the code, and running stale code would be worse than
// starting slower.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE = 'dist/rktlet.mjs';
export const BUNDLE_INPUTS = 'dist/rktlet.inputs.json';
export const MODULES_ENTRY = 'dist/src/cli/main.js';

/** True when the bundle exists and none of its recorded inputs is newer (or missing). */
export function bundleIsCurrent(root: string): boolean {
  try {
    const built = statSync(join(root, BUNDLE)).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, BUNDLE_INPUTS), 'utf8')) as unknown;
    if (!Array.isArray(inputs) || inputs.length === 0) return false;
    for (const f of inputs) {
      if (typeof f !== 'string' || statSync(join(root, f)).mtimeMs > built) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The entry file to import, relative to the package root. */
export function entryPoint(root: string): string {
  return bundleIsCurrent(root) ? BUNDLE : MODULES_ENTRY;
}

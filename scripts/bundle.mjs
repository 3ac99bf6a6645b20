// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) and most of its dependencies into one
// file, dist/rktlet.mjs, which bin/rktlet runs: Node loads one file several times faster than the
// ~200 modules and package files it replaces, and the daemon's restart is mostly that loading.
// Libraries only some commands load on first use (image pulls, WebSocket streaming, metrics) stay
// outside, imported from node_modules when needed.
// dist/rktlet.inputs.json lists the files the bundle was made from: bin/rktlet runs the modules
// in dist/src instead whenever one of them is newer (a plain `tsc` after the last `npm run build`).
// Without esbuild (not installed) the bundle is skipped with a warning; bin/rktlet still works.
import { writeFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'rktlet.mjs');
const inputsFile = join(root, 'dist', 'rktlet.inputs.json');
// Imported with import() at first use by the code, and not worth parsing at every start.
const LAZY = ['undici', 'ws', 'prom-client', 'tar-stream', 'fzstd'];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (err) {
  rmSync(outfile, { force: true });
  rmSync(inputsFile, { force: true });
  console.warn(`bundle: esbuild unavailable (${err.message}); bin/rktlet will run dist/src (slower start-up)`);
  process.exit(0);
}

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: LAZY,
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node's modules; an ES module has none of its own.
  banner: { js: "import { createRequire as __rktletRequire } from 'node:module';\nconst require = __rktletRequire(import.meta.url);" },
});
const inputs = Object.keys(result.metafile.inputs).map((f) => relative(root, join(root, f)));
// npm rewrites node_modules/.package-lock.json whenever it changes installed packages.
inputs.push('node_modules/.package-lock.json');
writeFileSync(inputsFile, JSON.stringify(inputs) + '\n');

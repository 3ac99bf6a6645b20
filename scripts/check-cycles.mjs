// Fails when the TypeScript modules under the given folders (default: src) import each other in a
// cycle. Every import counts: static, type-only, re-exports and dynamic import() (a cycle closed by
// a dynamic import is still a cycle, only hidden). Relative imports only: packages cannot import us.
// Uses the TypeScript compiler's own scanner (a dev dependency already), so no new package; the
// same answer as `npx madge --circular --extensions ts src`.
// Usage: node scripts/check-cycles.mjs [DIR...]
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const roots = (process.argv.length > 2 ? process.argv.slice(2) : ['src']).map((d) => resolve(d));

function* tsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** The .ts file a relative specifier names ('./x.js' is written for './x.ts' under NodeNext). */
function target(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

const files = roots.flatMap((r) => [...tsFiles(r)]);
const inScope = new Set(files);
const edges = new Map();
for (const f of files) {
  const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
  const to = new Set();
  for (const i of info.importedFiles) {
    const t = target(f, i.fileName);
    if (t && inScope.has(t)) to.add(t);
  }
  edges.set(f, [...to]);
}

// Tarjan's strongly connected components: every component of more than one module (or a module
// importing itself) is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || edges.get(v).includes(v)) cycles.push(comp);
  }
}
for (const f of files) if (!idx.has(f)) visit(f);

const cwd = process.cwd();
if (cycles.length) {
  console.error(`import cycles among ${files.length} modules under ${roots.map((r) => relative(cwd, r) || '.').join(', ')}:`);
  for (const c of cycles) console.error(`  ${c.map((f) => relative(cwd, f)).sort().join(' ↔ ')}`);
  process.exit(1);
}
console.log(`no import cycles among ${files.length} modules under ${roots.map((r) => relative(cwd, r) || '.').join(', ')}`);

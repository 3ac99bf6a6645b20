// The read-only verbs stay fast because of what they do not load: the engine, gRPC, protobuf, the
// logger, zod (once the config is in validated-cache.ts), the registry client, node:crypto. This
// runs each verb (bin/rktlet, as a user would) with a module hook that records every module it
// loads, and fails when one of those appears, so a new static import cannot bring them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../util/test-temp-dir.js';

const BIN = fileURLToPath(new URL('../../../bin/rktlet', import.meta.url));

/** What no read-only verb may load (package names under node_modules, our own files, builtins). */
const HEAVY = [/\/node_modules\/(@grpc|protobufjs|@protobufjs|pino|zod|smol-toml|undici|tar-stream|prom-client|ws)\//, /\/dist\/src\/(engine|server\/|cri\/(?!pod-convert)|log\/|image\/image-service|snapshot\/|network\/cni)/, /^node:crypto$/];

const HOOK = `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = [];
registerHooks({ load(url, ctx, next) { seen.push(url); return next(url, ctx); } });
process.on('exit', () => writeFileSync(process.env.RKTLET_LOADED_OUT, JSON.stringify(seen)));
`;

function loaded(base: string, args: string[]): { modules: string[]; status: number | null; stderr: string } {
  const hook = join(base, 'hook.mjs');
  const out = join(base, 'loaded.json');
  writeFileSync(hook, HOOK);
  const r = spawnSync(process.execPath, ['--import', hook, BIN, ...args, '--root', join(base, 'root'), '--run-root', join(base, 'run')], {
    encoding: 'utf8',
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, RKTLET_LOADED_OUT: out },
  });
  assert.ok(existsSync(out), `rktlet ${args.join(' ')} wrote no module list: ${r.stderr}`);
  return { modules: JSON.parse(readFileSync(out, 'utf8')) as string[], status: r.status, stderr: r.stderr };
}

const heavy = (modules: string[]): string[] => modules.filter((m) => HEAVY.some((h) => h.test(m.replace(/^file:\/\//, ''))));

const VERBS: { args: string[]; fails?: RegExp }[] = [
  { args: ['ps', '-a'] },
  { args: ['pods'] },
  { args: ['images'] },
  { args: ['inspect', 'nosuch'], fails: /no container|not found/i },
  { args: ['app', 'list', 'nosuch'], fails: /no pod|not found/i },
];

// The config cache is root's: another user validates (loads zod) on every run.
test('read-only verbs load neither the engine nor gRPC, protobuf, pino, zod or crypto', { skip: process.geteuid?.() !== 0 && 'the config cache is root\'s' }, () => {
  const base = tempDir('rktlet-light-');
  for (const v of VERBS) {
    loaded(base, v.args); // the first run validates the config (and keeps it)
    const r = loaded(base, v.args);
    if (v.fails) assert.match(r.stderr, v.fails, v.args.join(' '));
    else assert.equal(r.status, 0, `${v.args.join(' ')}: ${r.stderr}`);
    assert.ok(r.modules.some((m) => m.endsWith('/dist/src/cli/main.js')), 'the hook saw the CLI load');
    assert.deepEqual(heavy(r.modules), [], `rktlet ${v.args.join(' ')} loaded heavy modules`);
  }
});

test('the check sees heavy modules where a verb does load them', () => {
  const base = tempDir('rktlet-light-');
  // `pod status` opens the engine (gRPC codecs, the logger).
  const r = loaded(base, ['pod', 'status', 'nosuch']);
  const found = heavy(r.modules).join('\n');
  assert.match(found, /@grpc|protobufjs/);
  assert.match(found, /\/dist\/src\/engine\.js/);
});

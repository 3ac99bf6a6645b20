// `rktlet trust`: shows and edits the image trust policy (image.signature_policy), as
// `podman image trust show|set` does for /etc/containers/policy.json. It touches no state root:
// the daemon and `rktlet pull` read the file at each pull, so a change applies to the next one.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { effectiveConfig, type GlobalOptions } from './options.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { ensurePolicyFile, loadPolicy, savePolicy } from '../image/trust/policy-file.js';
import { parsePublicKey, PolicyError, type PolicyJson, type Requirement } from '../image/trust/policy.js';
import { checkScope, startsWithHost } from '../image/trust/scope.js';
import { formatTable } from './table.js';

function requirementCells(r: Requirement): [string, string] {
  if (r.type !== 'sigstoreSigned') return [r.type, ''];
  return [r.type, `${r.keySources.join(', ')} (signedIdentity ${r.signedIdentity.type})`];
}

/** One row per requirement, most specific scopes first as they are matched, the default last. */
export function policyRows(p: Awaited<ReturnType<typeof loadPolicy>>): string[][] {
  const rows: string[][] = [['SCOPE', 'TYPE', 'KEYS']];
  const scopes = [...p.docker.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
  for (const s of scopes) for (const r of p.docker.get(s)!) rows.push([s === '' ? 'docker (transport default)' : s, ...requirementCells(r)]);
  for (const r of p.default) rows.push(['default', ...requirementCells(r)]);
  return rows;
}

const TYPES: Record<string, string> = {
  accept: 'insecureAcceptAnything',
  insecureAcceptAnything: 'insecureAcceptAnything',
  reject: 'reject',
  sigstoreSigned: 'sigstoreSigned',
};

/** The requirement `trust set` writes, its keys checked readable and parsed first. */
export function requirementFor(type: string, pubkeys: string[]): Record<string, unknown> {
  const t = TYPES[type];
  if (!t) throw new InvalidArgumentError(`--type ${JSON.stringify(type)}: one of accept, reject, sigstoreSigned`);
  if (t !== 'sigstoreSigned') {
    if (pubkeys.length) throw new InvalidArgumentError(`--pubkey goes with --type sigstoreSigned only`);
    return { type: t };
  }
  if (!pubkeys.length) throw new InvalidArgumentError('--type sigstoreSigned needs at least one --pubkey FILE (a PEM public key, e.g. cosign.pub)');
  const paths = pubkeys.map((k) => resolve(k));
  for (const p of paths) {
    try {
      parsePublicKey(readFileSync(p), `key file ${p}`);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof PolicyError ? err.message : `cannot read key file ${p}: ${(err as Error).message}`);
    }
  }
  // cosign signs the repository only (no tag): matchRepository accepts its signatures on tag pulls.
  return { type: t, ...(paths.length === 1 ? { keyPath: paths[0] } : { keyPaths: paths }), signedIdentity: { type: 'matchRepository' } };
}

/** `raw` with PREFIX's requirements replaced ("default": the global default). */
export function withScope(raw: PolicyJson, prefix: string, req: Record<string, unknown>): PolicyJson {
  if (prefix === 'default') return { ...raw, default: [req] };
  try {
    checkScope(prefix, 'PREFIX');
    if (!startsWithHost(prefix)) throw new Error(`PREFIX ${JSON.stringify(prefix)} must start with a registry host (fully expanded, e.g. docker.io/library/busybox), or be "default"`);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  const transports = { ...(raw.transports ?? {}) };
  transports.docker = { ...(transports.docker ?? {}), [prefix]: [req] };
  return { ...raw, transports };
}

export function registerTrustCommands(program: Command): void {
  const trust = program.command('trust').description('show or edit the image trust policy (containers-policy.json format)');
  trust
    .command('show')
    .description('print the policy: each scope, its requirement type and keys')
    .option('--json', 'print the policy file as it is')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const { config } = effectiveConfig(cmd.optsWithGlobals<GlobalOptions>());
      const file = config.image.signature_policy;
      await ensurePolicyFile(file);
      const p = await loadPolicy(file);
      if (o.json) process.stdout.write(JSON.stringify(p.raw, null, 2) + '\n');
      else process.stdout.write(`Policy: ${file}\n` + formatTable(policyRows(p)));
    });
  trust
    .command('set')
    .description('set the requirement of a scope: a registry host, namespace or repository (fully expanded, e.g. docker.io/library/busybox), or "default"')
    .argument('<prefix>', 'REGISTRY[/REPOSITORY] or default')
    .requiredOption('-t, --type <type>', 'accept (insecureAcceptAnything), reject, or sigstoreSigned')
    .option('-f, --pubkey <file>', 'a PEM public key whose signatures are accepted (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .action(async (prefix: string, o: { type: string; pubkey?: string[] }, cmd: Command) => {
      const { config } = effectiveConfig(cmd.optsWithGlobals<GlobalOptions>());
      const file = config.image.signature_policy;
      const req = requirementFor(o.type, o.pubkey ?? []);
      await ensurePolicyFile(file);
      const p = await loadPolicy(file);
      await savePolicy(file, withScope(p.raw, prefix, req));
    });
}

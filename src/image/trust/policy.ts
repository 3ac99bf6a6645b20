// The image trust policy in the containers-policy.json(5) format that CRI-O and podman read
// (containers/image docs/containers-policy.json.5.md), so an operator's existing policy works here.
// Parsing is as strict as theirs: an unknown, duplicated-meaning or invalid field rejects the whole
// file, since a typo in a trust policy must never silently widen it. Only the `docker` transport
// applies to rktlet's pulls; other transports are kept (podman's own file may list them) but unused.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parseIdentity, type SignedIdentity } from './identity.js';
import { PolicyError } from './policy-error.js';
import { checkScope } from './scope.js';

export { PolicyError };

export type Requirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | SigstoreSigned;

export interface SigstoreSigned {
  type: 'sigstoreSigned';
  /** Where the keys came from, for messages: the paths, or "keyData". */
  keySources: string[];
  keys: KeyObject[];
  signedIdentity: SignedIdentity;
}

export interface Policy {
  /** The global default (mandatory in the format). */
  default: Requirement[];
  /** transports.docker: scope → requirements; "" is the transport's default. */
  docker: Map<string, Requirement[]>;
  /** The file as read (what `rktlet trust show --json` prints and `trust set` edits). */
  raw: PolicyJson;
}

export interface PolicyJson {
  default: unknown[];
  transports?: Record<string, Record<string, unknown[]>>;
  [k: string]: unknown;
}


function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new PolicyError(`${where}: unknown field "${k}"`);
}

/** A PEM public key (PKIX "PUBLIC KEY", as `cosign generate-key-pair` writes cosign.pub). */
export function parsePublicKey(pem: string | Buffer, what: string): KeyObject {
  try {
    const k = createPublicKey({ key: pem, format: 'pem' });
    if (k.type !== 'public') throw new Error('not a public key');
    return k;
  } catch (err) {
    throw new PolicyError(`${what} is not a PEM public key: ${(err as Error).message}`);
  }
}

function readKeyFile(path: string, where: string): KeyObject {
  if (typeof path !== 'string' || !isAbsolute(path)) throw new PolicyError(`${where}: key path ${JSON.stringify(path)} must be an absolute path`);
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new PolicyError(`${where}: cannot read key file ${path}: ${(err as Error).message}`);
  }
  return parsePublicKey(pem, `${where}: key file ${path}`);
}

function parseSigstore(o: Record<string, unknown>, where: string): SigstoreSigned {
  onlyKeys(o, ['type', 'keyPath', 'keyPaths', 'keyData', 'keyDatas', 'signedIdentity', 'fulcio', 'pki', 'rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas'], where);
  // Refused rather than ignored: a requirement we did not check must not pass an image.
  for (const k of ['fulcio', 'pki', 'rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas']) {
    if (k in o) throw new PolicyError(`${where}: "${k}" is not supported by rktlet (only public keys: keyPath, keyPaths, keyData, keyDatas)`);
  }
  const given = ['keyPath', 'keyPaths', 'keyData', 'keyDatas'].filter((k) => k in o);
  if (given.length !== 1) throw new PolicyError(`${where}: exactly one of keyPath, keyPaths, keyData and keyDatas must be present (found ${given.length ? given.join(', ') : 'none'})`);
  const keySources: string[] = [];
  const keys: KeyObject[] = [];
  const list = (v: unknown, k: string): unknown[] => {
    if (!Array.isArray(v) || v.length === 0) throw new PolicyError(`${where}: "${k}" must be a non-empty array`);
    return v;
  };
  if ('keyPath' in o) {
    keys.push(readKeyFile(o.keyPath as string, where));
    keySources.push(o.keyPath as string);
  } else if ('keyPaths' in o) {
    for (const p of list(o.keyPaths, 'keyPaths')) {
      keys.push(readKeyFile(p as string, where));
      keySources.push(p as string);
    }
  } else {
    const datas = 'keyData' in o ? [o.keyData] : list(o.keyDatas, 'keyDatas');
    datas.forEach((d, i) => {
      if (typeof d !== 'string' || !d) throw new PolicyError(`${where}: key data must be a base64 string`);
      keys.push(parsePublicKey(Buffer.from(d, 'base64'), `${where}: keyData${datas.length > 1 ? ` #${i + 1}` : ''}`));
      keySources.push('keyData');
    });
  }
  const signedIdentity = parseIdentity(o.signedIdentity, `${where}.signedIdentity`);
  return { type: 'sigstoreSigned', keySources, keys, signedIdentity };
}

function parseRequirement(v: unknown, where: string): Requirement {
  if (!isObject(v)) throw new PolicyError(`${where}: a requirement must be an object`);
  switch (v.type) {
    case 'insecureAcceptAnything':
    case 'reject':
      onlyKeys(v, ['type'], where);
      return { type: v.type };
    case 'sigstoreSigned':
      return parseSigstore(v, where);
    case 'signedBy':
      throw new PolicyError(`${where}: "signedBy" (GPG simple signing) is not supported by rktlet; use "sigstoreSigned"`);
    default:
      throw new PolicyError(`${where}: unknown requirement type ${JSON.stringify(v.type)}`);
  }
}

function parseRequirements(v: unknown, where: string): Requirement[] {
  // The format forbids an empty list: "no requirement" is written as insecureAcceptAnything.
  if (!Array.isArray(v) || v.length === 0) throw new PolicyError(`${where}: must be a non-empty array of requirements`);
  return v.map((r, i) => parseRequirement(r, `${where}[${i}]`));
}

/** Parses a policy from its JSON text; throws PolicyError saying where it is wrong. */
export function parsePolicy(text: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new PolicyError('the policy must be a JSON object');
  onlyKeys(raw, ['default', 'transports'], 'policy');
  const def = parseRequirements(raw.default, 'default');
  const docker = new Map<string, Requirement[]>();
  if (raw.transports !== undefined) {
    if (!isObject(raw.transports)) throw new PolicyError('transports: must be an object');
    for (const [name, scopes] of Object.entries(raw.transports)) {
      if (!isObject(scopes)) throw new PolicyError(`transports.${name}: must be an object of scopes`);
      if (name !== 'docker') continue;
      for (const [scope, reqs] of Object.entries(scopes)) {
        checkScope(scope, `transports.docker["${scope}"]`);
        docker.set(scope, parseRequirements(reqs, `transports.docker["${scope}"]`));
      }
    }
  }
  return { default: def, docker, raw: raw as PolicyJson };
}

/**
 * The policy as text: one line per scope, each scope's requirements on that line, so the line that
 * decides (`"default": [{"type":"insecureAcceptAnything"}]`) is seen at a glance.
 */
export function formatPolicy(raw: PolicyJson): string {
  const lines = ['{', `  "default": ${JSON.stringify(raw.default)}${raw.transports ? ',' : ''}`];
  if (raw.transports) {
    lines.push('  "transports": {');
    const names = Object.keys(raw.transports);
    names.forEach((name, i) => {
      const scopes = Object.entries(raw.transports![name]!);
      const comma = i < names.length - 1 ? ',' : '';
      if (!scopes.length) return void lines.push(`    ${JSON.stringify(name)}: {}${comma}`);
      lines.push(`    ${JSON.stringify(name)}: {`);
      scopes.forEach(([scope, reqs], j) => lines.push(`      ${JSON.stringify(scope)}: ${JSON.stringify(reqs)}${j < scopes.length - 1 ? ',' : ''}`));
      lines.push(`    }${comma}`);
    });
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The policy written when none exists: unsigned images are accepted only because its one line
 * `"default": [{"type":"insecureAcceptAnything"}]` says so, in the operator's view
 * (`rktlet trust show`), ready to be tightened.
 */
export const DEFAULT_POLICY_TEXT = formatPolicy({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: {} } });

// A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1, with
// its own config and temp storage, plus a small push client for the Registry HTTP API v2.
//
// API:
//   startRegistry(opts?: { auth?: { username, password }, token?: TokenAuthConfig, tls?, address? })
//       -> Promise<Registry>      Registry = { host: '127.0.0.1:PORT', url: 'http://127.0.0.1:PORT',
//                                               storageDir, auth?, stop(): Promise<void> }
//       (address: listen elsewhere than 127.0.0.1, e.g. on test/helpers/host-address.ts's)
//   pushImage(registry, 'repo:tag' | 'repo', image: BuiltImage)  -> manifest digest
//       (a bare repo pushes by digest only, no tag)
//   pushIndex(registry, 'repo:tag', [{ image, architecture, variant? }], format?) -> index digest
//   pushBusybox(registry, 'library/busybox:latest', extra?: BusyboxExtra) -> BuiltImage
//       busybox-static with every applet a hard link in /bin, /etc/passwd + /etc/group
//       (root, alice uid 1000 in groups wheel and users, nobody), Cmd ["sh"]
//   pushBigImage(registry, 'bench/big:latest', totalBytes = 100 MiB, layers = 5) -> BuiltImage
//       busybox + `layers` gzip layers of random (incompressible) data
//   corruptBlob(registry, digest)  rewrites a stored blob in place (same size, wrong bytes)
//   imageConfigToml(registry, { mirrorFor?: ['docker.io', …] })
//       the `[image]` TOML table that lets a TestDaemon pull from it over plain HTTP
//   sharedBusyboxRegistry() -> Promise<{ registry, ref, configToml, image }>
//       one registry per test process (stopped at exit) holding library/busybox:latest; ref is
//       '127.0.0.1:PORT/library/busybox:latest' and configToml makes it (and docker.io) usable
//   Builders: test/fixtures/{tar-layer,oci-image,busybox}.ts (buildLayer, buildImage, busyboxImage …).
//   Token auth: test/helpers/registry-token.ts (startTokenServer).
//
// Typical use:
//   const reg = await startRegistry(); after(() => reg.stop());
//   await pushBusybox(reg, 'library/busybox:latest');
//   const d = await TestDaemon.start({ configToml: imageConfigToml(reg) });
//   await d.client.image('PullImage', { image: { image: `${reg.host}/library/busybox:latest` } });
// or, in one go:
//   const bb = await sharedBusyboxRegistry();
//   const d = await TestDaemon.start({ configToml: bb.configToml });
//   await d.client.image('PullImage', { image: { image: bb.ref } });   // or simply 'busybox'
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readdirSync, statSync, openSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { busyboxImage, bigImage, type BusyboxExtra } from '../fixtures/busybox.js';
import { buildIndex, type Blob, type BuiltImage, type IndexEntry } from '../fixtures/oci-image.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface BasicAuth {
  username: string;
  password: string;
}

/** Token auth as distribution understands it: the registry trusts tokens signed by this cert. */
export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate whose key signs the tokens. */
  rootCertBundle: string;
}

export interface RegistryOptions {
  auth?: BasicAuth;
  token?: TokenAuthConfig;
  /** Credentials the push helpers use against a token-protected registry: a bearer token for a repo. */
  pushToken?: (repo: string) => Promise<string>;
  /** Keep the access log, for requests() (e.g. to count blob downloads). */
  accessLog?: boolean;
  /** Serve HTTPS with a fresh self-signed certificate for its address (url becomes https://). */
  tls?: boolean;
  /** Listen on this IPv4 address instead of 127.0.0.1 (e.g. one from host-address.ts). */
  address?: string;
}

export interface Registry {
  host: string;
  url: string;
  storageDir: string;
  auth?: BasicAuth;
  pushToken?: (repo: string) => Promise<string>;
  /** "GET /v2/…" lines seen so far (only with accessLog). */
  requests(): string[];
  stop(): Promise<void>;
  /** Synchronous kill and clean-up (for exit handlers). */
  kill(): void;
  /** Lets the test process exit while the registry runs (pair with kill() in an exit handler). */
  unref(): void;
}

export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-registry-'));
  const storageDir = join(dir, 'storage');
  const ip = opts.address ?? '127.0.0.1';
  const port = await freePort(ip);
  const lines = [
    'version: 0.1',
    'log:',
    `  level: ${opts.accessLog ? 'info' : 'warn'}`,
    '  accesslog:',
    `    disabled: ${opts.accessLog ? 'false' : 'true'}`,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${ip}:${port}`,
    `  secret: rktlet-test-${port}`,
  ];
  let scheme = 'http';
  if (opts.tls) {
    scheme = 'https';
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${ip}`,
        '-addext', `subjectAltName=IP:${ip}`, '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')],
      { stdio: 'ignore' },
    );
    lines.push('  tls:', `    certificate: ${join(dir, 'tls.crt')}`, `    key: ${join(dir, 'tls.key')}`);
  }
  if (opts.auth) {
    const htpasswd = join(dir, 'htpasswd');
    execFileSync('htpasswd', ['-Bbc', htpasswd, opts.auth.username, opts.auth.password], { stdio: 'ignore' });
    lines.push('auth:', '  htpasswd:', '    realm: rktlet-test', `    path: ${htpasswd}`);
  } else if (opts.token) {
    const bundle = join(dir, 'token.crt');
    writeFileSync(bundle, opts.token.rootCertBundle);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${opts.token.realm}`,
      `    service: ${opts.token.service}`,
      `    issuer: ${opts.token.issuer}`,
      `    rootcertbundle: ${bundle}`,
    );
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, lines.join('\n') + '\n');
  const proc: ChildProcess = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  if (process.env.REG_DEBUG) proc.stderr?.pipe(process.stderr);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `${scheme}://${ip}:${port}`;
  const reg: Registry = {
    host: `${ip}:${port}`,
    url,
    storageDir,
    requests() {
      const out: string[] = [];
      for (const line of stderr.split('\n')) {
        if (!line.includes('response completed')) continue;
        const method = /http\.request\.method=(\w+)/.exec(line)?.[1];
        const uri = /http\.request\.uri="?([^" ]+)/.exec(line)?.[1];
        if (method && uri) out.push(`${method} ${uri}`);
      }
      return out;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    unref() {
      proc.unref();
      (proc.stderr as { unref?: () => void } | null)?.unref?.();
    },
  };
  if (opts.auth) reg.auth = opts.auth;
  if (opts.pushToken) reg.pushToken = opts.pushToken;
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) break;
    try {
      const r = await request(`${url}/v2/`, opts.tls ? { dispatcher: insecureAgent() } : {});
      await r.body.dump();
      if (r.statusCode === 200 || r.statusCode === 401) return reg;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  await reg.stop();
  throw new Error(`docker-registry did not start on ${url}:\n${stderr}`);
}

let agent: Agent | undefined;
/** An undici agent that accepts self-signed certificates (test registries only). */
export function insecureAgent(): Agent {
  agent ??= new Agent({ connect: { rejectUnauthorized: false } });
  return agent;
}

function via(reg: Registry): { dispatcher?: Agent } {
  return reg.url.startsWith('https:') ? { dispatcher: insecureAgent() } : {};
}

async function authHeaders(reg: Registry, repo: string): Promise<Record<string, string>> {
  if (reg.auth) return { authorization: 'Basic ' + Buffer.from(`${reg.auth.username}:${reg.auth.password}`).toString('base64') };
  if (reg.pushToken) return { authorization: 'Bearer ' + (await reg.pushToken(repo)) };
  return {};
}

function splitRef(ref: string): { repo: string; tag?: string } {
  const at = ref.lastIndexOf(':');
  if (at > ref.lastIndexOf('/') && at !== -1) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  return { repo: ref };
}

/** Monolithic blob upload (POST then PUT ?digest=), skipped when the registry has the blob. */
export async function pushBlob(reg: Registry, repo: string, digest: string, bytes: Buffer): Promise<void> {
  const h = await authHeaders(reg, repo);
  const head = await request(`${reg.url}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', headers: h, ...via(reg) });
  await head.body.dump();
  if (head.statusCode === 200) return;
  const start = await request(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: h, ...via(reg) });
  await start.body.dump();
  if (start.statusCode !== 202) throw new Error(`blob upload start for ${repo}: HTTP ${start.statusCode}`);
  const loc = new URL(String(start.headers.location), reg.url);
  loc.searchParams.set('digest', digest);
  const put = await request(loc.toString(), {
    method: 'PUT',
    headers: { ...h, 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
    ...via(reg),
  });
  const text = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`blob upload ${digest} to ${repo}: HTTP ${put.statusCode} ${text}`);
}

export async function pushManifest(reg: Registry, repo: string, reference: string, m: Blob): Promise<void> {
  const h = await authHeaders(reg, repo);
  const put = await request(`${reg.url}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...h, 'content-type': m.mediaType },
    body: m.bytes,
    ...via(reg),
  });
  const text = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`manifest ${repo}:${reference}: HTTP ${put.statusCode} ${text}`);
}

/** Pushes layers, config and manifest; tags it when `ref` has a tag. Returns the manifest digest. */
export async function pushImage(reg: Registry, ref: string, image: BuiltImage): Promise<string> {
  const { repo, tag } = splitRef(ref);
  for (const l of image.layers) await pushBlob(reg, repo, l.digest, l.blob);
  await pushBlob(reg, repo, image.config.digest, image.config.bytes);
  await pushManifest(reg, repo, tag ?? image.manifest.digest, image.manifest);
  return image.manifest.digest;
}

/** Pushes every platform's image by digest, then the index under the tag. Returns the index digest. */
export async function pushIndex(reg: Registry, ref: string, entries: IndexEntry[], format: 'oci' | 'docker' = 'oci'): Promise<string> {
  const { repo, tag } = splitRef(ref);
  for (const e of entries) await pushImage(reg, repo, e.image);
  const index = buildIndex(entries, format);
  await pushManifest(reg, repo, tag ?? index.digest, index);
  return index.digest;
}

export async function pushBusybox(reg: Registry, ref = 'library/busybox:latest', extra: BusyboxExtra = {}): Promise<BuiltImage> {
  const image = await busyboxImage(extra);
  await pushImage(reg, ref, image);
  return image;
}

export async function pushBigImage(reg: Registry, ref = 'bench/big:latest', totalBytes = 100 * 1024 * 1024, layers = 5): Promise<BuiltImage> {
  const image = await bigImage(totalBytes, layers);
  await pushImage(reg, ref, image);
  return image;
}

function findBlobData(dir: string, hex: string): string | undefined {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    if (name === hex) return join(p, 'data');
    const found = findBlobData(p, hex);
    if (found) return found;
  }
  return undefined;
}

/** Flips bytes of a stored blob (same size), so the registry serves content that fails its digest. */
export function corruptBlob(reg: Registry, digest: string): void {
  const hex = digest.replace(/^sha256:/, '');
  const file = findBlobData(join(reg.storageDir, 'docker', 'registry', 'v2', 'blobs'), hex);
  if (!file) throw new Error(`blob ${digest} not found in ${reg.storageDir}`);
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(Math.min(64, size), 0x5a), 0, Math.min(64, size), Math.floor(size / 2));
  } finally {
    closeSync(fd);
  }
}

/**
 * The `[image]` config table for a TestDaemon: the registry is insecure (plain HTTP), and mirrors
 * the given registry hosts (e.g. ['docker.io', 'registry.k8s.io']).
 */
export function imageConfigToml(reg: Registry, o: { mirrorFor?: string[] } = {}): string {
  const lines = ['[image]', `insecure_registries = ["${reg.host}"]`];
  if (o.mirrorFor?.length) {
    lines.push('[image.mirrors]');
    for (const h of o.mirrorFor) lines.push(`"${h}" = ["${reg.url}"]`);
  }
  return lines.join('\n') + '\n';
}

export interface SharedBusybox {
  registry: Registry;
  /** '127.0.0.1:PORT/library/busybox:latest' */
  ref: string;
  /** `[image]` table: the registry is insecure and mirrors docker.io (so 'busybox' pulls too). */
  configToml: string;
  image: BuiltImage;
}

let shared: Promise<SharedBusybox> | undefined;

/** One registry with busybox per test process, started on first use and killed at exit. */
export function sharedBusyboxRegistry(): Promise<SharedBusybox> {
  shared ??= (async () => {
    const registry = await startRegistry();
    registry.unref();
    process.once('exit', () => registry.kill());
    const image = await pushBusybox(registry, 'library/busybox:latest');
    return { registry, ref: `${registry.host}/library/busybox:latest`, configToml: imageConfigToml(registry, { mirrorFor: ['docker.io'] }), image };
  })();
  return shared;
}

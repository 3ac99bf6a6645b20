// Bridges and subnets for a bench run, picked free on this host at the start of the run: never a
// fixed name or range, since tests and other daemons make bridges and subnets of their own
// (the tests take /25s in 10.128.0.0/9; the bench keeps to the shared address space 100.64.0.0/10,
// /24s, room for 253 pods each).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { BridgeNetwork } from './containerd-config.js';

export type Cidr = [base: number, prefix: number];

export function ipv4(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

/** Whether two CIDR networks share an address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a[1], b[1]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((a[0] & mask) >>> 0) === ((b[0] & mask) >>> 0);
}

/** Every IPv4 network in `ip -4 addr` and `ip -4 route show table all` output. */
export function parseIpv4Networks(text: string): Cidr[] {
  return [...text.matchAll(/\b(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?\b/g)].map((m) => [ipv4(m[1] as string), Number(m[2] ?? 32)]);
}

function hostNetworks(): Cidr[] {
  const sh = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' }).stdout ?? '';
  return parseIpv4Networks(sh(['-4', '-o', 'addr', 'show']) + sh(['-4', 'route', 'show', 'table', 'all']));
}

const POOL: Cidr = [ipv4('100.64.0.0'), 10];

/**
 * `count` networks, each a bridge name no link has and a /24 in 100.64.0.0/10 overlapping none
 * of `used` nor each other. The scan starts at a place derived from `seed` (the pid), so two
 * runs that start together are unlikely to collide even before either has made its bridge.
 */
export function pickNetworks(prefixes: readonly string[], seed: number, used: readonly Cidr[], linkExists: (name: string) => boolean): BridgeNetwork[] {
  const slots = 2 ** (24 - POOL[1]);
  const out: BridgeNetwork[] = [];
  const taken: Cidr[] = [...used];
  let i = 0;
  for (const prefix of prefixes) {
    for (;; i++) {
      if (i >= slots) throw new Error('no free /24 in 100.64.0.0/10 for a bench network');
      const base = (POOL[0] + (((seed + i) % slots) << 8)) >>> 0;
      const net: Cidr = [base, 24];
      const bridge = `${prefix}${(seed + i) % 100000}`.slice(0, 15);
      if (taken.some((t) => overlaps(t, net)) || linkExists(bridge)) continue;
      taken.push(net);
      out.push({ bridge, subnet: `${dotted(base)}/24` });
      i++;
      break;
    }
  }
  return out;
}

export function freeNetworks(prefixes: readonly string[]): BridgeNetwork[] {
  return pickNetworks(prefixes, process.pid, hostNetworks(), (n) => existsSync(`/sys/class/net/${n}`));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the daemon binds it right after). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!port) throw new Error('could not find a free port');
  return port;
}

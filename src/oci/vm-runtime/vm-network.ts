// The pod's CNI network reaching its VM, as Kata Containers does it ("tcfilter" mode): a tap
// device beside the pod's eth0 in the pod's network namespace, and two tc mirred redirects that
// hand every frame arriving on one to the other. The guest's interface takes eth0's MAC, address
// and default route, so the pod IP, the bridge's ARP and the CNI port mappings work unchanged: to
// the host the pod still looks like its veth.
import { FailedPreconditionError } from '../../errors/catalog.js';
import { complaintOf, runCommand } from '../../util/command.js';
import { shq } from './container-scripts.js';

export const TAP = 'tap0_rkt';

export interface GuestNetwork {
  mac: string;
  /** '' when the pod has no IPv4 address (the guest then has loopback only). */
  ip: string;
  prefix: number;
  gateway: string;
  mtu: number;
}

interface IpAddr {
  address?: string;
  mtu?: number;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}

/** eth0's facts and the default route, from `ip -j addr show eth0` and `ip -j route show default` (pure). */
export function parseGuestNetwork(addrJson: string, routeJson: string): GuestNetwork {
  const addr = (JSON.parse(addrJson) as IpAddr[])[0];
  if (!addr?.address) throw new FailedPreconditionError('the pod network namespace has no eth0 with a MAC address for the VM');
  const v4 = addr.addr_info?.find((a) => a.family === 'inet' && a.scope !== 'host');
  const routes = JSON.parse(routeJson || '[]') as { gateway?: string }[];
  return { mac: addr.address, ip: v4?.local ?? '', prefix: v4?.prefixlen ?? 0, gateway: routes.find((r) => r.gateway)?.gateway ?? '', mtu: addr.mtu ?? 1500 };
}

async function inNetns(netnsPath: string, script: string): Promise<string> {
  try {
    return (await runCommand('nsenter', [`--net=${netnsPath}`, 'sh', '-c', script], { timeoutMs: 60_000 })).stdout;
  } catch (err) {
    throw new FailedPreconditionError(`setting up the VM's network in ${netnsPath} failed: ${complaintOf(err)}`, { cause: err });
  }
}

/** Creates the tap and the redirects; what the guest's interface must look like. */
export async function plugTap(netnsPath: string): Promise<GuestNetwork> {
  const facts = await inNetns(netnsPath, 'ip -j addr show dev eth0; echo ---; ip -j -4 route show default');
  const [addrJson, routeJson] = facts.split('---\n');
  const net = parseGuestNetwork(addrJson ?? '[]', (routeJson ?? '').trim());
  const redirect = (from: string, to: string): string =>
    `tc qdisc add dev ${from} ingress && tc filter add dev ${from} parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev ${to}`;
  await inNetns(netnsPath, [
    `ip tuntap add dev ${TAP} mode tap`,
    `ip link set dev ${TAP} mtu ${net.mtu} up`,
    redirect('eth0', TAP),
    redirect(TAP, 'eth0'),
  ].join(' && '));
  return net;
}

/** Removes the tap (and its redirect); a namespace or tap already gone is fine. */
export async function unplugTap(netnsPath: string): Promise<void> {
  await runCommand('nsenter', [`--net=${netnsPath}`, 'sh', '-c', `ip link del ${TAP} 2>/dev/null; tc qdisc del dev eth0 ingress 2>/dev/null; true`], { timeoutMs: 60_000 }).catch(() => undefined);
}

/** vm.env: the shell assignments the agent sources (pure). */
export function vmEnv(net: GuestNetwork | undefined, hostname: string): string {
  return [
    `VM_IP=${shq(net?.ip ?? '')}`,
    `VM_PREFIX=${shq(String(net?.prefix ?? ''))}`,
    `VM_GW=${shq(net?.gateway ?? '')}`,
    `VM_HOSTNAME=${shq(hostname)}`,
  ].join('\n') + '\n';
}

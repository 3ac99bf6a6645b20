// Pod networking with the real CNI plugins (bridge, host-local, portmap; loopback when a list names it): a pod answers
// on its IP and on a host port at 127.0.0.1; stop removes its iptables rules; a failing plugin
// rolls the whole pod back and its error text reaches the client.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync, symlinkSync, unlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as Grpc } from '@grpc/grpc-js';
import { TestDaemon, uniqueNetwork } from '../helpers/daemon.js';
import { freePort } from '../helpers/registry.js';

const daemons: TestDaemon[] = [];
const servers: ChildProcess[] = [];
let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  daemons.push(d);
});

after(async () => {
  for (const s of servers) s.kill('SIGKILL');
  for (const x of daemons) await x.destroy();
});

function podConfig(name: string, extra: Record<string, unknown> = {}) {
  return { metadata: { name, namespace: 'net-test', uid: `uid-${name}`, attempt: 0 }, hostname: name, ...extra };
}

/** A TCP server inside the pod's network namespace answering every connection with `reply`. */
async function serveInPod(netns: string, port: number, reply: string): Promise<void> {
  const code = `import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("0.0.0.0",${port}))\ns.listen(8)\nprint("ready",flush=True)\nwhile True:\n  c,_=s.accept()\n  c.sendall(b"${reply}")\n  c.close()\n`;
  const p = spawn('nsenter', [`--net=${netns}`, 'python3', '-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`server in pod exited (${c})`)));
  });
}

function readFrom(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let data = '';
    s.setTimeout(10_000, () => s.destroy(new Error(`no answer from ${host}:${port}`)));
    s.on('data', (b) => (data += b.toString()));
    s.once('end', () => resolve(data));
    s.once('error', reject);
  });
}

async function verbose(id: string): Promise<{ pid: number; netnsPath: string; resolvConfPath: string }> {
  const st = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  return JSON.parse(st.info.info!) as { pid: number; netnsPath: string; resolvConfPath: string };
}

function natRulesMentioning(id: string): string[] {
  const out = spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.includes(id));
}

test('a pod gets an IP on the bridge and answers from the host, on its IP and on a hostPort at 127.0.0.1', async () => {
  const hostPort = await freePort();
  const [a, b] = await Promise.all([
    d.client.runtime('RunPodSandbox', { config: podConfig('web', { port_mappings: [{ protocol: 'TCP', container_port: 8080, host_port: hostPort, host_ip: '127.0.0.1' }] }) }),
    d.client.runtime('RunPodSandbox', { config: podConfig('other') }),
  ]);
  const sa = (await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: a.pod_sandbox_id })).status!;
  const sb = (await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: b.pod_sandbox_id })).status!;
  assert.match(sa.network!.ip, /^10\.\d+\.\d+\.\d+$/);
  assert.notEqual(sa.network!.ip, sb.network!.ip);
  // The bridge of this daemon's own network carries the gateway.
  const addr = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', d.dirs.bridge!], { encoding: 'utf8' }).stdout;
  assert.match(addr, /inet 10\./, `bridge ${d.dirs.bridge} has no address`);

  const info = await verbose(a.pod_sandbox_id);
  assert.ok(info.netnsPath.startsWith(d.dirs.runRoot), info.netnsPath);
  // The pods started concurrently; their netns dir was made a private mount once.
  const netnsDir = join(d.dirs.runRoot, 'netns');
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === netnsDir).length, 1);
  await serveInPod(info.netnsPath, 8080, 'hello-from-pod');
  assert.equal(await readFrom(sa.network!.ip, 8080), 'hello-from-pod');
  assert.equal(await readFrom('127.0.0.1', hostPort), 'hello-from-pod');
  // Loopback inside the pod is up (brought up when the namespace was made).
  const lo = spawnSync('nsenter', [`--net=${info.netnsPath}`, 'ip', '-o', 'link', 'show', 'lo'], { encoding: 'utf8' }).stdout;
  assert.match(lo, /UP/);
  assert.ok(natRulesMentioning(a.pod_sandbox_id).length > 0, 'portmap/masquerade rules were added');

  // Stop: the CNI DEL removes the pod's rules and namespace; a second stop is fine.
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: a.pod_sandbox_id });
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: a.pod_sandbox_id });
  assert.deepEqual(natRulesMentioning(a.pod_sandbox_id), []);
  assert.ok(!existsSync(info.netnsPath));
  await assert.rejects(readFrom('127.0.0.1', hostPort));
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: a.pod_sandbox_id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: b.pod_sandbox_id });
  assert.deepEqual(natRulesMentioning(b.pod_sandbox_id), []);
  // host-local released both addresses (its store lives under the daemon's root).
  const store = join(d.dirs.root, 'cni', 'networks', d.dirs.bridge!);
  assert.ok(existsSync(store), store);
  assert.deepEqual(readdirSync(store).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)), []);
});

test('stop and remove tear down the network even when the namespace is already gone', async () => {
  const hostPort = await freePort();
  const r = await d.client.runtime('RunPodSandbox', { config: podConfig('gone', { port_mappings: [{ container_port: 80, host_port: hostPort }] }) });
  const ip = (await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: r.pod_sandbox_id })).status!.network!.ip;
  const info = await verbose(r.pod_sandbox_id);
  spawnSync('umount', [info.netnsPath]);
  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  const list = await d.client.runtime('ListPodSandbox', {});
  assert.ok(!list.items.some((p) => p.id === r.pod_sandbox_id));
  // portmap's rules and host-local's address go without the namespace.
  const left = natRulesMentioning(r.pod_sandbox_id);
  assert.deepEqual(left.filter((l) => /CNI-DN-|CNI-HOSTPORT|--dport/.test(l)), []);
  assert.ok(!existsSync(join(d.dirs.root, 'cni', 'networks', d.dirs.bridge!, ip)));
  // The bridge plugin needs the namespace to find its masquerade rule (a plugin limitation):
  // remove what it left, so the test leaves the host clean.
  for (const l of left.filter((x) => x.startsWith('-A POSTROUTING'))) {
    spawnSync('sh', ['-c', `iptables -t nat ${l.replace(/^-A/, '-D')}`]);
  }
  for (const chain of new Set(left.map((l) => /-A (CNI-[0-9a-f]+) /.exec(l)?.[1]).filter((c): c is string => !!c))) {
    spawnSync('iptables', ['-t', 'nat', '-F', chain]);
    spawnSync('iptables', ['-t', 'nat', '-X', chain]);
  }
  assert.deepEqual(natRulesMentioning(r.pod_sandbox_id), []);
});

test('a failing CNI ADD rolls the pod back and returns the plugin error', async () => {
  const net = uniqueNetwork();
  const bad = await TestDaemon.start({ configToml: 'write_default_config = false\n' });
  daemons.push(bad);
  // A real bridge + host-local with an address range host-local refuses.
  writeFileSync(
    join(bad.dirs.cniConfDir, '10-bad.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: net.bridge,
      plugins: [{ type: 'bridge', bridge: net.bridge, ipam: { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/33' }]], dataDir: join(bad.dirs.root, 'ipam') } }],
    }),
  );
  bad.dirs.bridge = net.bridge; // cleaned up by destroy()
  const err = await bad.client.runtime('RunPodSandbox', { config: podConfig('broken') }).then(
    () => undefined,
    (e: unknown) => e as { code: number; details: string },
  );
  assert.ok(err, 'RunPodSandbox should fail');
  assert.equal(err.code, Grpc.FAILED_PRECONDITION);
  assert.match(err.details, /plugin type="(bridge|host-local)"/);
  assert.match(err.details, /10\.250\.0\.0\/33|invalid CIDR/i);
  // Nothing is left: no pod, no namespace file, no pod dir, the name is free again.
  assert.deepEqual((await bad.client.runtime('ListPodSandbox', {})).items, []);
  const netnsDir = join(bad.dirs.runRoot, 'netns');
  assert.deepEqual(existsSync(netnsDir) ? readdirSync(netnsDir) : [], []);
  assert.deepEqual(existsSync(join(bad.dirs.root, 'pods')) ? readdirSync(join(bad.dirs.root, 'pods')) : [], []);
  const again = await bad.client.runtime('RunPodSandbox', { config: podConfig('broken') }).catch((e: { code: number }) => e.code);
  assert.equal(again, Grpc.FAILED_PRECONDITION, 'the same name is not reserved by the failed attempt');
  await sleep(0);
});

test('an infra that cannot start rolls back the network too (DEL: address and rules released)', async () => {
  const bad = await TestDaemon.start({ configToml: '[pod]\ndrop_infra = false\ninfra_init = "/nonexistent/catatonit"\n' });
  daemons.push(bad);
  const err = await bad.client.runtime('RunPodSandbox', { config: podConfig('noinit', { port_mappings: [{ container_port: 80, host_port: await freePort() }] }) }).then(
    () => undefined,
    (e: unknown) => e as { code: number; details: string },
  );
  assert.ok(err, 'RunPodSandbox should fail');
  assert.match(err.details, /nonexistent\/catatonit|no such file/i);
  assert.deepEqual((await bad.client.runtime('ListPodSandbox', {})).items, []);
  const store = join(bad.dirs.root, 'cni', 'networks', bad.dirs.bridge!);
  assert.deepEqual(existsSync(store) ? readdirSync(store).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [], [], 'no address stays allocated');
  const netnsDir = join(bad.dirs.runRoot, 'netns');
  assert.deepEqual(existsSync(netnsDir) ? readdirSync(netnsDir) : [], []);
  const nat = spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout;
  assert.deepEqual(nat.split('\n').filter((l) => l.includes(`"${bad.dirs.bridge}\\"`)), [], 'no rule of this network is left');
  assert.equal((await bad.client.runtime('Version', {})).runtime_name, 'rktlet');
});

test('a CNI DEL that keeps failing fails StopPodSandbox but never makes the pod unremovable', async () => {
  const plugins = mkdtempSync(join(tmpdir(), 'rktlet-cni-bin-'));
  for (const p of ['bridge', 'host-local', 'portmap', 'loopback']) symlinkSync(`/usr/lib/cni/${p}`, join(plugins, p));
  const x = await TestDaemon.start({ configToml: `plugin_dirs = ["${plugins}"]\n` });
  daemons.push(x);
  try {
    const r = await x.client.runtime('RunPodSandbox', { config: podConfig('stuck') });
    unlinkSync(join(plugins, 'portmap'));
    const err = await x.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id }).then(
      () => undefined,
      (e: unknown) => e as { code: number; details: string },
    );
    assert.equal(err?.code, Grpc.INTERNAL);
    assert.match(err!.details, /tearing down the network .* CNI plugin "portmap" not found/);
    await x.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
    assert.deepEqual((await x.client.runtime('ListPodSandbox', {})).items, []);
    // The plugins that could run did: the bridge plugin's rules are gone.
    assert.deepEqual(natRulesMentioning(r.pod_sandbox_id), []);
  } finally {
    rmSync(plugins, { recursive: true, force: true });
  }
});

test('a CNI 0.4.0 network list (a user config, chained, no loopback in it) works as well', async () => {
  const net = uniqueNetwork();
  const x = await TestDaemon.start({ configToml: 'write_default_config = false\n' });
  daemons.push(x);
  x.dirs.bridge = net.bridge;
  writeFileSync(
    join(x.dirs.cniConfDir, '20-old.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: net.bridge,
      plugins: [
        { type: 'bridge', bridge: net.bridge, isGateway: true, ipMasq: true, ipam: { type: 'host-local', ranges: [[{ subnet: net.subnet }]], dataDir: join(x.dirs.root, 'ipam') } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }),
  );
  const r = await x.client.runtime('RunPodSandbox', { config: podConfig('old') });
  const s = await x.client.runtime('PodSandboxStatus', { pod_sandbox_id: r.pod_sandbox_id, verbose: true });
  const prefix = net.subnet.split('.').slice(0, 3).join('.');
  assert.ok(s.status!.network!.ip.startsWith(`${prefix}.`), `${s.status!.network!.ip} in ${net.subnet}`);
  const info = JSON.parse(s.info.info!) as { netnsPath: string; cniResult: { cniVersion: string } };
  assert.equal(info.cniResult.cniVersion, '0.4.0');
  // lo is up although the list has no loopback plugin: rktlet ran it on its own.
  assert.match(spawnSync('nsenter', [`--net=${info.netnsPath}`, 'ip', '-o', 'link', 'show', 'lo'], { encoding: 'utf8' }).stdout, /UP/);
  await x.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  assert.deepEqual(natRulesMentioning(r.pod_sandbox_id), []);
  assert.deepEqual(readdirSync(join(x.dirs.root, 'ipam', net.bridge)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)), []);
});

// The `vm` runtime handler (src/oci/vm-runtime/): one QEMU VM per pod, driven through the daemon's
// socket with the real parts (QEMU under TCG, Debian's kernel, busybox in the guest, CNI bridge,
// overlayfs, the fixture registry). A vm pod runs busybox containers whose logs reach the CRI log
// on the host, whose exit codes are reported, that answer ExecSync from inside the guest, and
// whose pod IP serves HTTP to the host; the VM survives a daemon restart and is found again;
// stop and remove leave nothing (QEMU, mounts, netns, records). Prints the VM's start latency and
// QEMU's memory. Skipped ONLY when QEMU or a guest kernel is not installed (said loudly).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon } from '../helpers/daemon.js';
import { sharedBusyboxRegistry } from '../helpers/registry.js';
import { leftovers } from '../helpers/leftovers.js';
import { collect, spdyExec, SpdyPortForward, SpdyRemoteCommand } from '../helpers/spdy-client.js';

const QEMU = '/usr/bin/qemu-system-x86_64';
const kernels = existsSync('/boot') ? readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')) : [];
const missing = !existsSync(QEMU) ? `${QEMU} is not installed` : !kernels.length ? 'no guest kernel (/boot/vmlinuz-*) is installed' : '';
if (missing) {
  console.error(`\n*** vm-handler tests SKIPPED: QEMU cannot run here (${missing}); run scripts/setup-host.sh ***\n`);
}
const skip = missing ? `QEMU cannot run: ${missing}` : false;

let d: TestDaemon;
let ref: string;
let configToml: string;
const pods: string[] = [];

before(async () => {
  if (skip) return;
  const bb = await sharedBusyboxRegistry();
  ref = bb.ref;
  configToml = [
    bb.configToml,
    '[runtime.handlers.runc]',
    'path = "/usr/sbin/runc"',
    '[runtime.handlers.vm]',
    'type = "vm"',
    `path = "${QEMU}"`,
  ].join('\n');
  d = await TestDaemon.start({ configToml });
  await d.client.image('PullImage', { image: { image: ref } }, { timeoutMs: 120_000 });
});

after(async () => {
  if (d) await d.destroy();
});

function podConfig(name: string) {
  return {
    metadata: { name, namespace: 'vm-test', uid: `uid-${name}`, attempt: 0 },
    hostname: name,
    log_directory: join(d.dirs.base, 'logs', name),
  };
}

function ctrConfig(name: string, script: string) {
  return { metadata: { name, attempt: 0 }, image: { image: ref }, command: ['sh', '-c', script], log_path: `${name}.log` };
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}:${port}`)));
    req.on('error', reject);
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** QEMU's resident memory: PSS and RSS in MiB (smaps_rollup). */
function qemuMemory(pid: number): { pssMiB: number; rssMiB: number } {
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
  return { pssMiB: Math.round(kb('Pss') / 1024), rssMiB: Math.round(kb('Rss') / 1024) };
}

test('a vm pod: busybox logs, exit code, exec-sync in the guest, pod IP from the host, restart, stop, remove', { skip, timeout: 600_000 }, async () => {
  const t0 = Date.now();
  const run = await d.client.runtime('RunPodSandbox', { config: podConfig('vm1'), runtime_handler: 'vm' }, { timeoutMs: 180_000 });
  const startMs = Date.now() - t0;
  const pod = run.pod_sandbox_id;
  pods.push(pod);
  const st = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod, verbose: true });
  assert.equal(st.status!.state, 'SANDBOX_READY');
  assert.equal(st.status!.runtime_handler, 'vm');
  const ip = st.status!.network!.ip;
  assert.match(ip, /^10\./);
  const qemuPid = (JSON.parse(st.info.info!) as { pid: number }).pid;
  const cmdline = readFileSync(`/proc/${qemuPid}/cmdline`, 'utf8').split('\0');
  assert.equal(cmdline[0], QEMU, 'the pod infra is the VM');
  assert.ok(cmdline.includes('microvm'));
  const ppid = Number(readFileSync(`/proc/${qemuPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  assert.notEqual(ppid, d.proc.pid, 'QEMU is detached from the daemon');

  // A server, and a container that exits with 3.
  const web = (await d.client.runtime('CreateContainer', {
    pod_sandbox_id: pod,
    config: ctrConfig('web', 'echo hello-out; echo hello-err >&2; mkdir -p /www; echo vm-ok > /www/index.html; exec httpd -f -p 8080 -h /www'),
    sandbox_config: podConfig('vm1'),
  }, { timeoutMs: 120_000 })).container_id;
  const quit = (await d.client.runtime('CreateContainer', { pod_sandbox_id: pod, config: ctrConfig('quit', 'echo bye; exit 3'), sandbox_config: podConfig('vm1') })).container_id;
  const tick = (await d.client.runtime('CreateContainer', { pod_sandbox_id: pod, config: ctrConfig('tick', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'), sandbox_config: podConfig('vm1') })).container_id;
  assert.equal((await d.client.runtime('ContainerStatus', { container_id: web })).status!.state, 'CONTAINER_CREATED');
  await d.client.runtime('StartContainer', { container_id: web }, { timeoutMs: 120_000 });
  // Started means set up: the pod's resolv.conf is mounted the moment StartContainer returns.
  const dns = await d.client.runtime('ExecSync', { container_id: web, cmd: ['cat', '/etc/resolv.conf'], timeout: 60 }, { timeoutMs: 90_000 });
  assert.equal(dns.exit_code, 0, dns.stderr.toString());
  await d.client.runtime('StartContainer', { container_id: quit }, { timeoutMs: 120_000 });
  await d.client.runtime('StartContainer', { container_id: tick }, { timeoutMs: 120_000 });
  const webStatus = (await d.client.runtime('ContainerStatus', { container_id: web })).status!;
  assert.equal(webStatus.state, 'CONTAINER_RUNNING', `${webStatus.exit_code}: ${readFileSync(webStatus.log_path, 'utf8')}`);

  const quitStatus = await waitFor('the quit container to exit', async () => {
    const s = (await d.client.runtime('ContainerStatus', { container_id: quit })).status!;
    return s.state === 'CONTAINER_EXITED' ? s : undefined;
  });
  assert.equal(quitStatus.exit_code, 3, readFileSync(quitStatus.log_path, 'utf8'));
  assert.match(readFileSync(quitStatus.log_path, 'utf8'), /^\S+Z stdout F bye$/m);

  // Logs of the server, in the CRI format, on the host.
  const logPath = (await d.client.runtime('ContainerStatus', { container_id: web })).status!.log_path;
  const log = await waitFor('the web log', async () => {
    const t = readFileSync(logPath, 'utf8');
    return t.includes('hello-err') && t.includes('hello-out') ? t : undefined;
  });
  assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z stdout F hello-out$/m);
  assert.match(log, /^\S+ stderr F hello-err$/m);

  // The pod IP answers from the host: the guest holds it, through the tap in the pod's netns.
  assert.equal(await waitFor('HTTP from the pod IP', () => httpGet(ip, 8080)), 'vm-ok\n');
  // And port-forward through the daemon's streaming server reaches the same server.
  const pf = await SpdyPortForward.open((await d.client.runtime('PortForward', { pod_sandbox_id: pod, port: [] })).url);
  const c = await pf.connect(8080);
  c.data.write('GET /index.html HTTP/1.0\r\n\r\n');
  assert.match((await collect(c.data)).toString(), /200 OK[\s\S]*vm-ok/);
  await pf.close();

  // A rotated log: the kubelet renames it and asks for a reopen; the next lines go to the new file.
  const tickLog = (await d.client.runtime('ContainerStatus', { container_id: tick })).status!.log_path;
  await waitFor('tick lines', async () => (readFileSync(tickLog, 'utf8').includes('stdout F tick') ? true : undefined));
  renameSync(tickLog, `${tickLog}.1`);
  await d.client.runtime('ReopenContainerLog', { container_id: tick });
  assert.match(await waitFor('a line in the reopened log', async () => (/stdout F tick \d+/.test(readFileSync(tickLog, 'utf8')) ? readFileSync(tickLog, 'utf8') : undefined)), /^\S+ stdout F tick \d+$/m);

  // Attach gives the container's output as it comes (decoded from its log: no stdin, no terminal).
  const att = await SpdyRemoteCommand.open((await d.client.runtime('Attach', { container_id: tick, stdout: true, stderr: true })).url);
  let attached = '';
  att.stdout!.on('data', (b: Buffer) => (attached += b.toString()));
  await waitFor('attached output', async () => (/^tick \d+\n/m.test(attached) ? true : undefined), 30_000);
  void att.conn.session.close();
  // A streaming exec without stdin (kubectl exec POD -- CMD): its output as it comes, its exit code.
  const se = await spdyExec((await d.client.runtime('Exec', { container_id: web, cmd: ['sh', '-c', 'echo streamed; echo to-err >&2; exit 7'], stdout: true, stderr: true })).url);
  assert.deepEqual([se.stdout.toString(), se.stderr.toString(), se.exitCode], ['streamed\n', 'to-err\n', 7]);
  // With stdin it is refused through the session's error stream, naming what is missing.
  const ie = await spdyExec((await d.client.runtime('Exec', { container_id: web, cmd: ['cat'], stdin: true, stdout: true, stderr: true })).url, 'x');
  assert.match(JSON.stringify(ie.status), /no interactive exec/);

  // The stats calls the kubelet makes all the time answer for vm containers too; the pod's figures
  // are the whole VM's: QEMU runs in the pod's cgroup (where runc would put the infra).
  await d.client.runtime('ListContainerStats', {});
  await d.client.runtime('ListPodSandboxStats', {});
  assert.match(readFileSync(`/proc/${qemuPid}/cgroup`, 'utf8'), new RegExp(`:memory:/rktlet/pod-${pod}/${pod}$`, 'm'));
  const ps = (await d.client.runtime('PodSandboxStats', { pod_sandbox_id: pod })).stats!;
  const mib = Number(ps.linux?.memory?.working_set_bytes?.value ?? 0) / 2 ** 20;
  assert.ok(mib > 64, `the pod's working set counts the VM: ${mib} MiB`);
  assert.ok(Number(ps.linux?.cpu?.usage_core_nano_seconds?.value ?? 0) > 1e9, 'the VM\'s boot took CPU seconds, counted in the pod');

  // ExecSync runs in the container, in the guest: its own PID namespace (httpd is PID 1), a QEMU CPU.
  const ex = await d.client.runtime('ExecSync', { container_id: web, cmd: ['sh', '-c', 'echo $((6*7)); cat /proc/1/comm; grep -m1 "model name" /proc/cpuinfo; echo oops >&2; exit 5'], timeout: 60 }, { timeoutMs: 90_000 });
  assert.equal(ex.exit_code, 5);
  const out = ex.stdout.toString().split('\n');
  assert.equal(out[0], '42');
  assert.equal(out[1], 'httpd');
  assert.match(out[2]!, /QEMU/);
  assert.equal(ex.stderr.toString(), 'oops\n');
  const slow = await d.client.runtime('ExecSync', { container_id: web, cmd: ['sleep', '30'], timeout: 2 }, { timeoutMs: 60_000 }).catch((e: { code: number }) => e);
  assert.equal((slow as { code: number }).code, 4, 'a timed-out exec is DEADLINE_EXCEEDED');

  // What this handler cannot do yet is refused, naming what is missing.
  const tty = await d.client.runtime('CreateContainer', { pod_sandbox_id: pod, config: { ...ctrConfig('tty', 'sh'), tty: true }, sandbox_config: podConfig('vm1') }).catch((e: { code: number; details: string }) => e);
  assert.equal((tty as { code: number }).code, 12, 'UNIMPLEMENTED');
  assert.match((tty as { details: string }).details, /terminal/);

  const mem = qemuMemory(qemuPid);
  console.log(`vm figures: RunPodSandbox (VM boot to agent ready) ${startMs} ms; QEMU PSS ${mem.pssMiB} MiB, RSS ${mem.rssMiB} MiB`);

  // The daemon restarts; the VM keeps running and is found again.
  await d.stop('SIGTERM');
  d = await TestDaemon.start({ dirs: d.dirs });
  const again = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod });
  assert.equal(again.status!.state, 'SANDBOX_READY');
  assert.equal((await d.client.runtime('ContainerStatus', { container_id: web })).status!.state, 'CONTAINER_RUNNING');
  const ex2 = await d.client.runtime('ExecSync', { container_id: web, cmd: ['cat', '/www/index.html'], timeout: 60 }, { timeoutMs: 90_000 });
  assert.equal(ex2.stdout.toString(), 'vm-ok\n');

  await d.client.runtime('StopContainer', { container_id: web, timeout: 2 }, { timeoutMs: 60_000 });
  const stopped = (await d.client.runtime('ContainerStatus', { container_id: web })).status!;
  assert.equal(stopped.state, 'CONTAINER_EXITED');
  assert.ok([137, 143].includes(stopped.exit_code), `exit code ${stopped.exit_code}`);

  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: pod }, { timeoutMs: 60_000 });
  assert.ok(!existsSync(`/proc/${qemuPid}`) || readFileSync(`/proc/${qemuPid}/stat`, 'utf8').includes(') Z'), 'StopPodSandbox stops the VM');
  await d.client.runtime('RemoveContainer', { container_id: web });
  await d.client.runtime('RemoveContainer', { container_id: quit });
  await d.client.runtime('RemoveContainer', { container_id: tick });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod }, { timeoutMs: 60_000 });
  const vmDir = join(d.dirs.runRoot, 'vm', 'pods');
  assert.deepEqual(existsSync(vmDir) ? readdirSync(vmDir) : [], [], 'no VM directory left');
  const index = join(d.dirs.runRoot, 'vm', 'containers');
  assert.deepEqual(existsSync(index) ? readdirSync(index) : [], [], 'no container index left');
  assert.deepEqual(leftovers(d, pods), []);
});

test('a vm pod cannot use the host network', { skip }, async () => {
  const err = await d.client.runtime('RunPodSandbox', {
    config: { ...podConfig('hostnet'), linux: { security_context: { namespace_options: { network: 2, pid: 1, ipc: 0 } } } },
    runtime_handler: 'vm',
  }).catch((e: { code: number; details: string }) => e);
  assert.equal((err as { code: number }).code, 9, 'FAILED_PRECONDITION');
  assert.match((err as { details: string }).details, /VM of its own.*network/);
});

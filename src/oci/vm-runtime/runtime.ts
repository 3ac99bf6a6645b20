// The OciRuntime (../runtime.ts) of `type = "vm"` handlers: one QEMU VM per pod, its containers
// run by a small agent inside it (./guest-scripts.ts). The pod's infra container IS the VM: the
// pod part creates its infra through this runtime (the create with id === podId), so the VM's QEMU
// pid is the pod's infraPid and the pod part's liveness check, recovery and StopPodSandbox
// (kill + delete of the infra) work on the VM unchanged.
//
// A container is its files in the pod's share (root filesystem and log bind-mounted, inner.sh,
// pid and exit files), plus two entries on the host: <vmRoot>/containers/<id>.json (which pod)
// and <exitDir>/<id>, a symlink to the exit file in the share, so the container part reads the
// exit code where it reads conmon's. Nothing lives in this process: any daemon finds it all again.
import { mkdir, open, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import net from 'node:net';
import { constants as osConstants } from 'node:os';
import type { Duplex } from 'node:stream';
import { CancelledError, DeadlineExceededError, FailedPreconditionError, InternalError, NotFoundError, UnimplementedError } from '../../errors/catalog.js';
import { readJsonIfExists, writeJsonAtomic } from '../../store/atomic-file.js';
import { pathExists } from '../../util/path-exists.js';
import { randomHex } from '../../util/random-hex.js';
import { bridge } from '../../util/socket-bridge.js';
import type { ContainerRef, CreateOptions, ExecSyncRequest, ExecSyncResult, OciRuntime, OciState } from '../runtime.js';
import type { SessionStreams, TerminalSize } from '../session-streams.js';
import { followLog } from './attach-log.js';
import { assertPlainDirs, readGuestFile } from './share-guard.js';
import { FileFollower } from './file-follow.js';
import type { OciSpec } from '../spec/types.js';
import { carriedMounts, execScript, innerScript } from './container-scripts.js';
import { sendRequest, waitForFile } from './mailbox.js';
import { bootVm, podDir, readVm, removeVmLeftovers, shareDir, stopVm, vmAlive, type VmHost, type VmRecord } from './pod-vm.js';
import { bindMount, removeShareDir, unmountUnder } from './share-mounts.js';
import { unplugTap } from './vm-network.js';

export interface VmRuntimeOptions extends VmHost {
  name: string;
  /** The container part's exit directory (<run_root>/exits). */
  exitDir: string;
  timeoutMs: number;
}

interface ContainerIndex {
  podId: string;
  bundle: string;
}

/** The guest's path of a container's directory in the share. */
function guestDir(id: string): string {
  return `/share/c/${id}`;
}

/** "SIGTERM", "TERM" or "15" as busybox kill takes it ("TERM", "15"). */
export function signalName(sig: string): string {
  const s = sig.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(s) || s in osConstants.signals || `SIG${s}` in osConstants.signals) return s;
  throw new InternalError(`unknown signal ${sig}`);
}

function signalNumber(sig: string): number {
  const s = signalName(sig);
  return /^\d+$/.test(s) ? Number(s) : ((osConstants.signals as Record<string, number>)[`SIG${s}`] ?? 9);
}

export class VmRuntime implements OciRuntime {
  readonly name: string;

  constructor(readonly opts: VmRuntimeOptions) {
    this.name = opts.name;
  }

  private indexFile(id: string): string {
    return join(this.opts.vmRoot, 'containers', `${id}.json`);
  }

  private async index(id: string): Promise<ContainerIndex | undefined> {
    return readJsonIfExists<ContainerIndex>(this.indexFile(id));
  }

  private async isPod(id: string): Promise<boolean> {
    return (await pathExists(podDir(this.opts.vmRoot, id))) && !(await pathExists(this.indexFile(id)));
  }

  private ctrDir(podId: string, id: string): string {
    return join(shareDir(this.opts.vmRoot, podId), 'c', id);
  }

  private async runningVm(podId: string): Promise<VmRecord> {
    const v = await readVm(this.opts.vmRoot, podId);
    if (!v || !(await vmAlive(v))) throw new FailedPreconditionError(`the VM of pod ${podId} is not running`);
    return v;
  }

  async create(o: CreateOptions): Promise<OciState> {
    const spec = JSON.parse(await readFile(join(o.bundle, 'config.json'), 'utf8')) as OciSpec;
    if (!o.podId || o.podId === o.id) return this.createVm(o, spec);
    if (o.terminal || o.stdin) {
      throw new UnimplementedError(`runtime handler "${this.name}" (a VM per pod) does not give containers a terminal or stdin yet (no tty or stdin relay through its agent): ask for neither`);
    }
    const podId = o.podId;
    await this.runningVm(podId);
    await mkdir(dirname(this.indexFile(o.id)), { recursive: true, mode: 0o700 });
    await writeJsonAtomic(this.indexFile(o.id), { podId, bundle: o.bundle } satisfies ContainerIndex);
    const dir = this.ctrDir(podId, o.id);
    await assertPlainDirs(shareDir(this.opts.vmRoot, podId), dir);
    await mkdir(join(dir, 'rootfs'), { recursive: true });
    await mkdir(join(dir, 'm'), { recursive: true });
    await assertPlainDirs(shareDir(this.opts.vmRoot, podId), join(dir, 'm'));
    await bindMount(spec.root.path, join(dir, 'rootfs'), !!spec.root.readonly);
    await writeFile(join(dir, 'log'), '', { flag: 'wx' }); // O_EXCL: never through a guest's symlink
    if (o.logPath) {
      await mkdir(dirname(o.logPath), { recursive: true });
      await (await open(o.logPath, 'a', 0o640)).close();
      await bindMount(o.logPath, join(dir, 'log'));
    }
    const mounts = carriedMounts(spec);
    for (const m of mounts) {
      const target = join(dir, 'm', String(m.index));
      const st = await stat(m.source).catch(() => undefined);
      if (!st) throw new NotFoundError(`mount source ${m.source} (for ${m.destination}) does not exist`);
      if (st.isDirectory()) await mkdir(target);
      else await writeFile(target, '', { flag: 'wx' });
      await bindMount(m.source, target, m.readonly);
    }
    await writeFile(join(dir, 'inner.sh'), innerScript(spec, o.id, guestDir(o.id), mounts), { mode: 0o600, flag: 'wx' });
    await mkdir(o.exitDir, { recursive: true, mode: 0o700 });
    await rm(join(o.exitDir, o.id), { force: true });
    await symlink(join(dir, 'exit'), join(o.exitDir, o.id));
    return { id: o.id, status: 'created', pid: 0, bundle: o.bundle };
  }

  private async createVm(o: CreateOptions, spec: OciSpec): Promise<OciState> {
    const netns = spec.linux.namespaces.find((n) => n.type === 'network')?.path ?? '';
    const v = await bootVm(this.opts, o.id, netns, spec.hostname ?? '', spec.linux.cgroupsPath ?? '');
    return { id: o.id, status: 'running', pid: v.pid, bundle: o.bundle };
  }

  async start(id: string): Promise<void> {
    const ix = await this.index(id);
    if (!ix) {
      if (await this.isPod(id)) return; // the VM runs from its create on
      throw new NotFoundError(`container ${id} does not exist in runtime ${this.name}`);
    }
    const dir = this.ctrDir(ix.podId, id);
    if (await pathExists(join(dir, 'exit'))) throw new FailedPreconditionError(`container ${id} has stopped (killed meanwhile, by a stop of it or of its pod): it cannot be started`);
    if (await pathExists(join(dir, 'pid'))) return;
    const v = await this.runningVm(ix.podId);
    await sendRequest(shareDir(this.opts.vmRoot, ix.podId), `start ${id}`);
    // Until inner.sh is about to exec the process (./container-scripts.ts), not merely forked.
    const end = await waitForFile([join(dir, 'started'), join(dir, 'exit')], { timeoutMs: this.opts.timeoutMs, alive: () => vmAlive(v) });
    if (end === 'gone') throw new FailedPreconditionError(`the VM of pod ${ix.podId} stopped while container ${id} was starting`);
    if (end !== 'found') throw new InternalError(`the VM agent did not start container ${id} within ${this.opts.timeoutMs / 1000} s (runtime.runtime_timeout_seconds)`);
  }

  async kill(id: string, signal: string): Promise<void> {
    const ix = await this.index(id);
    if (!ix) {
      const v = await readVm(this.opts.vmRoot, id);
      if (v) await stopVm(v, this.opts.timeoutMs);
      return;
    }
    const dir = this.ctrDir(ix.podId, id);
    if (!(await pathExists(dir)) || (await pathExists(join(dir, 'exit')))) return;
    const v = await readVm(this.opts.vmRoot, ix.podId);
    const started = await pathExists(join(dir, 'pid'));
    if (!v || !(await vmAlive(v)) || !started) {
      // Never started, or its VM is gone: nothing runs; the exit is the signal's, as a shell reports it.
      await assertPlainDirs(shareDir(this.opts.vmRoot, ix.podId), dir);
      await rm(join(dir, 'exit.tmp'), { force: true });
      await writeFile(join(dir, 'exit.tmp'), `${128 + signalNumber(signal)}\n`, { flag: 'wx' });
      await rename(join(dir, 'exit.tmp'), join(dir, 'exit'));
      return;
    }
    await sendRequest(shareDir(this.opts.vmRoot, ix.podId), `kill ${id} ${signalName(signal)}`);
  }

  async delete(id: string): Promise<void> {
    const ix = await this.index(id);
    if (!ix) {
      const v = await readVm(this.opts.vmRoot, id);
      if (v) {
        await stopVm(v, this.opts.timeoutMs);
        await unplugTap(v.netnsPath);
        await removeVmLeftovers(v);
      }
      if (await pathExists(podDir(this.opts.vmRoot, id))) await removeShareDir(podDir(this.opts.vmRoot, id));
      return;
    }
    const dir = this.ctrDir(ix.podId, id);
    if ((await pathExists(join(dir, 'pid'))) && !(await pathExists(join(dir, 'exit')))) {
      await this.kill(id, 'KILL');
      const v = await readVm(this.opts.vmRoot, ix.podId);
      if (v) await waitForFile([join(dir, 'exit')], { timeoutMs: 10_000, alive: () => vmAlive(v) });
    }
    await assertPlainDirs(shareDir(this.opts.vmRoot, ix.podId), dir);
    await removeShareDir(dir);
    await rm(join(this.opts.exitDir, id), { force: true });
    await rm(this.indexFile(id), { force: true });
  }

  async state(id: string): Promise<OciState | undefined> {
    const ix = await this.index(id);
    if (!ix) {
      const v = await readVm(this.opts.vmRoot, id);
      if (!v) return undefined;
      return { id, status: (await vmAlive(v)) ? 'running' : 'stopped', pid: v.pid, bundle: '' };
    }
    const dir = this.ctrDir(ix.podId, id);
    const v = await readVm(this.opts.vmRoot, ix.podId);
    const up = !!v && (await vmAlive(v));
    let status: OciState['status'] = 'created';
    if (!up || (await pathExists(join(dir, 'exit')))) status = 'stopped';
    else if (await pathExists(join(dir, 'pid'))) status = 'running';
    return { id, status, pid: 0, bundle: ix.bundle };
  }

  update(): Promise<void> {
    return Promise.reject(new UnimplementedError(`runtime handler "${this.name}" (a VM per pod) cannot change a running container's resources yet (its agent has no update request)`));
  }

  /** Hands an exec to the agent: its directory in the share, where out, err and code appear. */
  private async startExec(id: string, cmd: string[]): Promise<{ x: string; share: string; eid: string; podId: string; v: VmRecord }> {
    const ix = await this.index(id);
    if (!ix) throw new NotFoundError(`container ${id} does not exist in runtime ${this.name}`);
    const dir = this.ctrDir(ix.podId, id);
    if (!(await pathExists(join(dir, 'pid'))) || (await pathExists(join(dir, 'exit')))) throw new FailedPreconditionError(`container ${id} is not running`);
    const v = await this.runningVm(ix.podId);
    const spec = JSON.parse(await readFile(join(ix.bundle, 'config.json'), 'utf8')) as OciSpec;
    const share = shareDir(this.opts.vmRoot, ix.podId);
    const eid = randomHex(8);
    const x = join(share, 'x', eid);
    await assertPlainDirs(share, x);
    await mkdir(x, { recursive: true });
    await writeFile(join(x, 'run.sh'), execScript(spec, `${guestDir(id)}/pid`, cmd), { mode: 0o600, flag: 'wx' });
    await sendRequest(share, `exec ${eid} ${id}`);
    return { x, share, eid, podId: ix.podId, v };
  }

  /** The agent may still write after a kill: the directory goes once it is done, or with the pod. */
  private async endExec(x: string): Promise<void> {
    if (await pathExists(join(x, 'code'))) await rm(x, { recursive: true, force: true });
  }

  async execSync(req: ExecSyncRequest): Promise<ExecSyncResult> {
    const { x, share, eid, podId, v } = await this.startExec(req.id, req.cmd);
    try {
      const end = await waitForFile([join(x, 'code')], { timeoutMs: req.timeoutMs, ...(req.signal ? { signal: req.signal } : {}), alive: () => vmAlive(v) });
      if (end !== 'found') {
        await sendRequest(share, `killx ${eid}`).catch(() => undefined);
        if (end === 'timeout') throw new DeadlineExceededError(`command ${JSON.stringify(req.cmd)} timed out after ${req.timeoutMs} ms`);
        if (end === 'aborted') throw new CancelledError('exec cancelled');
        throw new FailedPreconditionError(`the VM of pod ${podId} stopped during the exec`);
      }
      const cap = (b: Buffer): Buffer => (b.length > req.maxOutputBytes ? b.subarray(0, req.maxOutputBytes) : b);
      const [out, err, code] = await Promise.all([readGuestFile(join(x, 'out')), readGuestFile(join(x, 'err')), readGuestFile(join(x, 'code'))]);
      return { stdout: cap(out), stderr: cap(err), exitCode: Number.parseInt(code.toString().trim(), 10) || 0 };
    } finally {
      await this.endExec(x);
    }
  }

  /**
   * A streaming exec without stdin or terminal (`kubectl exec POD -- CMD`): its output is followed
   * from the files the agent writes, as it comes. With stdin or a terminal it is refused.
   */
  async exec(id: string, cmd: string[], streams: SessionStreams): Promise<{ exitCode: number }> {
    if (streams.tty || streams.stdin) {
      throw new UnimplementedError(`runtime handler "${this.name}" (a VM per pod) has no interactive exec yet (its agent relays no stdin or terminal): exec without -i/-t, or use ExecSync`);
    }
    const { x, share, eid, podId, v } = await this.startExec(id, cmd);
    const out = new FileFollower(join(x, 'out'));
    const err = new FileFollower(join(x, 'err'));
    const drain = async (): Promise<void> => {
      const [o, e] = await Promise.all([out.read(), err.read()]);
      if (o.length) streams.stdout?.write(o);
      if (e.length) (streams.stderr ?? streams.stdout)?.write(e);
    };
    try {
      for (let i = 0; ; i++) {
        const done = await pathExists(join(x, 'code'));
        await drain();
        if (done) return { exitCode: Number.parseInt((await readGuestFile(join(x, 'code'))).toString(), 10) || 0 };
        if (streams.signal.aborted) {
          await sendRequest(share, `killx ${eid}`).catch(() => undefined);
          throw new CancelledError('exec cancelled: the client went away');
        }
        if (i % 20 === 19 && !(await vmAlive(v))) throw new FailedPreconditionError(`the VM of pod ${podId} stopped during the exec`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await this.endExec(x);
    }
  }

  /** The container's output from its CRI log (./attach-log.ts): it has no stdin or terminal to attach to. */
  async attach(c: ContainerRef, streams: SessionStreams): Promise<void> {
    const ix = await this.index(c.id);
    if (!ix) throw new NotFoundError(`container ${c.id} does not exist in runtime ${this.name}`);
    const dir = this.ctrDir(ix.podId, c.id);
    if (!(await pathExists(join(dir, 'pid'))) || (await pathExists(join(dir, 'exit')))) throw new FailedPreconditionError(`container ${c.id} is not running`);
    await followLog(join(dir, 'log'), join(dir, 'exit'), streams);
  }

  /** Its containers never have a terminal (refused at create): nothing to resize. */
  async resize(_c: ContainerRef, _size: TerminalSize): Promise<void> {}

  /**
   * The guest opens the log path anew for each line (./guest-scripts.ts), so moving the bind
   * mount onto the new file is all a reopen needs.
   */
  async reopenLog(c: ContainerRef & { logPath: string }): Promise<void> {
    const ix = await this.index(c.id);
    if (!ix) throw new NotFoundError(`container ${c.id} does not exist in runtime ${this.name}`);
    const target = join(this.ctrDir(ix.podId, c.id), 'log');
    await (await open(c.logPath, 'a', 0o640)).close();
    await unmountUnder(target);
    await bindMount(c.logPath, target);
  }

  /** To the guest's address (the pod IP) from the host: the pod's namespace has that address too, for its own eth0. */
  async portForward(netnsPath: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    const v = await this.vmOfNetns(netnsPath);
    if (!v?.ip) throw new FailedPreconditionError(`no running VM with an IPv4 address has the network namespace ${netnsPath}`);
    const sock = net.connect({ host: v.ip, port });
    const connected = new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    connected.catch(() => undefined);
    return bridge(stream, sock, signal, connected);
  }

  private async vmOfNetns(netnsPath: string): Promise<VmRecord | undefined> {
    const pods = await readdir(join(this.opts.vmRoot, 'pods')).catch(() => [] as string[]);
    for (const p of pods) {
      const v = await readVm(this.opts.vmRoot, p);
      if (v && v.netnsPath === netnsPath && (await vmAlive(v))) return v;
    }
    return undefined;
  }
}

// A kubelet-like workload for the chaos test: picks a random CRI operation that fits what the
// daemon lists (run a pod, create/start/exec/stop/remove a container, stop/remove a pod, pull or
// remove an image), runs it under a deadline, and retries interrupted ones the way the kubelet
// does after it relists: what got done is adopted, what was half done is cleaned up and redone.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CriClient } from '../../src/client/cri-client.js';


export type Op =
  | { kind: 'runPod'; name: string; attempt: number; infra: boolean }
  | { kind: 'createCtr'; podId: string; name: string; short: boolean }
  | { kind: 'startCtr' | 'execCtr' | 'stopCtr' | 'removeCtr'; id: string }
  | { kind: 'stopPod' | 'removePod'; id: string }
  | { kind: 'pull' | 'removeImage'; image: string };

export interface Listed {
  pods: { id: string; name: string; attempt: number; state: string }[];
  ctrs: { id: string; podId: string; name: string; state: string }[];
  images: string[];
}

export interface WorkloadOptions {
  /** The image containers run (never removed during the run). */
  baseImage: string;
  /** Images pulled and removed at random. */
  churnImages: string[];
  logRoot: string;
  namespace: string;
}

/** gRPC status codes the workload tells apart. */
export const Code = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, UNAVAILABLE: 14 } as const;

export function codeOf(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

export class Workload {
  private seq = 0;
  ops = 0;
  retries = 0;
  /** Errors no kubelet should see from a healthy runtime (a dead daemon's UNAVAILABLE and deadlines aside). */
  readonly unexpected: string[] = [];

  constructor(
    readonly rand: () => number,
    readonly o: WorkloadOptions,
  ) {}

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  pick<T>(xs: T[]): T | undefined {
    return xs.length ? xs[this.int(xs.length)] : undefined;
  }

  async list(c: CriClient): Promise<Listed> {
    const [p, k, i] = await Promise.all([c.runtime('ListPodSandbox', {}), c.runtime('ListContainers', {}), c.image('ListImages', {})]);
    return {
      pods: p.items.map((x) => ({ id: x.id, name: x.metadata!.name, attempt: x.metadata!.attempt, state: x.state })),
      ctrs: k.containers.map((x) => ({ id: x.id, podId: x.pod_sandbox_id, name: x.metadata!.name, state: x.state })),
      images: i.images.flatMap((x) => x.repo_tags),
    };
  }

  /** A random operation that makes sense for what is listed; `heavy` prefers the multi-step ones. */
  choose(l: Listed, heavy = false): Op {
    const ready = l.pods.filter((p) => p.state === 'SANDBOX_READY');
    const choices: (() => Op | undefined)[] = [];
    const add = (w: number, f: () => Op | undefined) => {
      for (let i = 0; i < w; i++) choices.push(f);
    };
    add(l.pods.length < 4 ? 4 : 1, () => ({ kind: 'runPod', name: `chaos-${++this.seq}`, attempt: 0, infra: this.rand() < 0.25 }));
    const roomy = ready.filter((p) => l.ctrs.filter((c) => c.podId === p.id).length < 3);
    add(roomy.length ? 4 : 0, () => ({ kind: 'createCtr', podId: this.pick(roomy)!.id, name: `c-${++this.seq}`, short: this.rand() < 0.3 }));
    add(l.pods.length ? 2 : 0, () => ({ kind: 'removePod', id: this.pick(l.pods)!.id }));
    add(1, () => ({ kind: 'pull', image: this.pick(this.o.churnImages)! }));
    const created = l.ctrs.filter((c) => c.state === 'CONTAINER_CREATED');
    const running = l.ctrs.filter((c) => c.state === 'CONTAINER_RUNNING');
    add(created.length ? (heavy ? 2 : 4) : 0, () => ({ kind: 'startCtr', id: this.pick(created)!.id }));
    add(running.length ? (heavy ? 1 : 2) : 0, () => ({ kind: 'stopCtr', id: this.pick(running)!.id }));
    if (!heavy) {
      add(running.length ? 2 : 0, () => ({ kind: 'execCtr', id: this.pick(running)!.id }));
      add(l.ctrs.length ? 2 : 0, () => ({ kind: 'removeCtr', id: this.pick(l.ctrs)!.id }));
      add(ready.length ? 1 : 0, () => ({ kind: 'stopPod', id: this.pick(ready)!.id }));
      add(1, () => ({ kind: 'removeImage', image: this.pick(this.o.churnImages)! }));
    }
    for (;;) {
      const op = this.pick(choices)!();
      if (op) return op;
    }
  }

  podConfig(name: string, attempt: number, infra: boolean) {
    return {
      metadata: { name, namespace: this.o.namespace, uid: `uid-${name}`, attempt },
      hostname: name,
      log_directory: join(this.o.logRoot, `${name}-${attempt}`),
      linux: { security_context: { namespace_options: { pid: infra ? ('POD' as const) : ('CONTAINER' as const) } } },
    };
  }

  /** Runs one operation under a deadline; rejects as the client saw it. */
  async exec(c: CriClient, op: Op, timeoutMs: number): Promise<void> {
    this.ops++;
    const t = { timeoutMs };
    switch (op.kind) {
      case 'runPod':
        await c.runtime('RunPodSandbox', { config: this.podConfig(op.name, op.attempt, op.infra) }, t);
        return;
      case 'createCtr': {
        const pod = (await c.runtime('PodSandboxStatus', { pod_sandbox_id: op.podId }, t)).status!;
        const cmd = op.short ? ['sh', '-c', 'sleep 0.3'] : ['sleep', '3600'];
        await c.runtime(
          'CreateContainer',
          {
            pod_sandbox_id: op.podId,
            config: { metadata: { name: op.name, attempt: 0 }, image: { image: this.o.baseImage }, command: cmd, log_path: `${op.name}.log` },
            sandbox_config: this.podConfig(pod.metadata!.name, pod.metadata!.attempt, false),
          },
          t,
        );
        return;
      }
      case 'startCtr':
        await c.runtime('StartContainer', { container_id: op.id }, t);
        return;
      case 'execCtr': {
        const r = await c.runtime('ExecSync', { container_id: op.id, cmd: ['echo', 'ok'], timeout: 10 }, t);
        if (r.exit_code === 0 && r.stdout.toString() === 'ok\n') return;
        // A short container (sleep 0.3) listed RUNNING may end during the exec: its PID namespace
        // goes with its init, and the exec's process with it (137, no output), as with containerd.
        // Only an exec in a container that still runs is a wrong answer.
        // (Asked again after the exit monitor's poll: the exit may be recorded just after the answer.)
        const state = async () => (await c.runtime('ContainerStatus', { container_id: op.id }, t).catch(() => undefined))?.status?.state ?? 'gone';
        if ((await state()) !== 'CONTAINER_RUNNING') return;
        await sleep(2500);
        if ((await state()) !== 'CONTAINER_RUNNING') return;
        this.unexpected.push(`exec in ${op.id} (still running): exit ${r.exit_code}, output ${JSON.stringify(r.stdout.toString() + r.stderr.toString())}`);
        return;
      }
      case 'stopCtr':
        await c.runtime('StopContainer', { container_id: op.id, timeout: this.int(2) }, t);
        return;
      case 'removeCtr':
        await c.runtime('RemoveContainer', { container_id: op.id }, t);
        return;
      case 'stopPod':
        await c.runtime('StopPodSandbox', { pod_sandbox_id: op.id }, t);
        return;
      case 'removePod':
        await c.runtime('RemovePodSandbox', { pod_sandbox_id: op.id }, t);
        return;
      case 'pull':
        await c.image('PullImage', { image: { image: op.image } }, t);
        return;
      case 'removeImage':
        await c.image('RemoveImage', { image: { image: op.image } }, t);
        return;
    }
  }

  /**
   * Runs an operation and reports whether it was interrupted (the daemon died or the deadline
   * passed). Other errors are the runtime's answers: the ones a kubelet could expect (a container
   * that exited before its exec, an object another operation removed) are fine, the rest noted.
   */
  async attempt(c: CriClient, op: Op, timeoutMs: number): Promise<boolean> {
    try {
      await this.exec(c, op, timeoutMs);
      return false;
    } catch (err) {
      const code = codeOf(err);
      if (code === Code.UNAVAILABLE || code === Code.DEADLINE_EXCEEDED || code === Code.CANCELLED) return true;
      if (code === Code.NOT_FOUND) return false; // removed meanwhile (a relist shows it)
      if (op.kind === 'execCtr' || op.kind === 'startCtr') return false; // exited meanwhile / already started
      this.unexpected.push(`${op.kind} ${JSON.stringify(op)}: ${String((err as Error).message)}`);
      return false;
    }
  }

  /**
   * Finishes an interrupted operation as the kubelet would after a relist: a pod or container
   * that got made is adopted (a half-made pod is removed and made again with the next attempt),
   * anything else is retried until it answers. Every retry must succeed.
   */
  async settle(c: CriClient, op: Op): Promise<void> {
    for (let i = 0; i < 20; i++) {
      this.retries++;
      try {
        await this.settleOnce(c, op);
        return;
      } catch (err) {
        const code = codeOf(err);
        // The first call may still be finishing on a live daemon (its client gave up): relist later.
        if (code === Code.ALREADY_EXISTS || code === Code.DEADLINE_EXCEEDED) {
          await sleep(200);
          continue;
        }
        throw new Error(`retrying ${JSON.stringify(op)} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new Error(`retrying ${JSON.stringify(op)} never succeeded`);
  }

  private async settleOnce(c: CriClient, op: Op): Promise<void> {
    const l = await this.list(c);
    const t = { timeoutMs: 60_000 };
    switch (op.kind) {
      case 'runPod': {
        const p = l.pods.filter((x) => x.name === op.name).sort((a, b) => b.attempt - a.attempt)[0];
        if (p?.state === 'SANDBOX_READY') return;
        if (p) {
          await c.runtime('StopPodSandbox', { pod_sandbox_id: p.id }, t);
          await c.runtime('RemovePodSandbox', { pod_sandbox_id: p.id }, t);
          op.attempt = p.attempt + 1;
        }
        await this.exec(c, op, 60_000);
        return;
      }
      case 'createCtr': {
        if (l.ctrs.some((x) => x.podId === op.podId && x.name === op.name)) return;
        if (!l.pods.some((x) => x.id === op.podId && x.state === 'SANDBOX_READY')) return; // its pod went
        await this.exec(c, op, 60_000);
        return;
      }
      case 'startCtr': {
        const x = l.ctrs.find((y) => y.id === op.id);
        if (x?.state === 'CONTAINER_CREATED') await this.exec(c, op, 60_000);
        return;
      }
      case 'execCtr': {
        const x = l.ctrs.find((y) => y.id === op.id);
        if (x?.state === 'CONTAINER_RUNNING') await this.attempt(c, op, 60_000);
        return;
      }
      default: {
        // Stop, remove, pull and image removal are idempotent: the retry must answer OK, and then be
        // done. A stop or remove of what another operation removed meanwhile may answer NOT_FOUND,
        // which the kubelet takes as done too.
        try {
          await this.exec(c, op, 60_000);
        } catch (err) {
          if (codeOf(err) !== Code.NOT_FOUND || op.kind === 'pull') throw err;
        }
        const after = await this.list(c);
        const wrong =
          (op.kind === 'pull' && !after.images.some((r) => op.image.endsWith(r) || r.endsWith(op.image))) ||
          (op.kind === 'removeImage' && after.images.some((r) => op.image.endsWith(r) || r.endsWith(op.image))) ||
          (op.kind === 'removePod' && after.pods.some((p) => p.id === op.id)) ||
          (op.kind === 'removeCtr' && after.ctrs.some((x) => x.id === op.id)) ||
          (op.kind === 'stopCtr' && after.ctrs.some((x) => x.id === op.id && x.state !== 'CONTAINER_EXITED')) ||
          (op.kind === 'stopPod' && after.pods.some((p) => p.id === op.id && p.state !== 'SANDBOX_NOTREADY'));
        if (wrong) this.unexpected.push(`${op.kind} retried OK but not done: ${JSON.stringify(op)}`);
      }
    }
  }
}

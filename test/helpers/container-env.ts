// Shared set-up for the container integration tests: a local registry with the busybox fixture,
// a daemon pulling from it, pods with a log directory, and small helpers around CriClient.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, type DaemonOptions } from './daemon.js';
import { imageConfigToml, pushBusybox, startRegistry, type Registry } from './registry.js';
import type { BusyboxExtra } from '../fixtures/busybox.js';

export interface ContainerEnv {
  reg: Registry;
  d: TestDaemon;
  image: string;
  logRoot: string;
  close(): Promise<void>;
}

export async function containerEnv(o: { images?: Record<string, BusyboxExtra>; daemon?: DaemonOptions } = {}): Promise<ContainerEnv> {
  const reg = await startRegistry();
  await pushBusybox(reg, 'library/busybox:latest');
  for (const [ref, extra] of Object.entries(o.images ?? {})) await pushBusybox(reg, ref, extra);
  const d = await TestDaemon.start({ ...o.daemon, configToml: imageConfigToml(reg) + (o.daemon?.configToml ?? '') });
  const image = `${reg.host}/library/busybox:latest`;
  await d.client.image('PullImage', { image: { image } });
  for (const ref of Object.keys(o.images ?? {})) await d.client.image('PullImage', { image: { image: `${reg.host}/${ref}` } });
  const logRoot = mkdtempSync(join(tmpdir(), 'rktlet-ctr-logs-'));
  const env: ContainerEnv = {
    reg,
    d,
    image,
    logRoot,
    async close() {
      // Pods first: removing them removes their containers (and conmon, mounts, netns).
      const cur = env.d;
      try {
        const pods = await cur.client.runtime('ListPodSandbox', {});
        for (const p of pods.items) {
          await cur.client.runtime('StopPodSandbox', { pod_sandbox_id: p.id }).catch(() => undefined);
          await cur.client.runtime('RemovePodSandbox', { pod_sandbox_id: p.id }).catch(() => undefined);
        }
      } catch {
        /* daemon already gone */
      }
      await cur.destroy();
      await reg.stop();
      rmSync(logRoot, { recursive: true, force: true });
    },
  };
  return env;
}

let podSeq = 0;
export async function runPod(env: ContainerEnv, extra: Record<string, unknown> = {}): Promise<{ id: string; logDir: string }> {
  const name = `p${++podSeq}-${process.pid}`;
  const logDir = join(env.logRoot, name);
  const r = await env.d.client.runtime('RunPodSandbox', {
    config: { metadata: { name, namespace: 'ctr', uid: `uid-${name}`, attempt: 0 }, log_directory: logDir, hostname: name, ...extra },
  });
  return { id: r.pod_sandbox_id, logDir };
}

let ctrSeq = 0;
export async function createContainer(
  env: ContainerEnv,
  podId: string,
  config: Record<string, unknown>,
  image = env.image,
): Promise<{ id: string; logPath: string; name: string }> {
  const name = (config.name as string | undefined) ?? `c${++ctrSeq}`;
  const { name: _n, ...rest } = config;
  const logPath = `${name}/0.log`;
  const r = await env.d.client.runtime('CreateContainer', {
    pod_sandbox_id: podId,
    config: { metadata: { name, attempt: 0 }, image: { image }, log_path: logPath, ...rest },
    sandbox_config: { metadata: { name: 'x', namespace: 'ctr', uid: 'x', attempt: 0 } },
  });
  return { id: r.container_id, logPath, name };
}

export async function status(env: ContainerEnv, id: string, verbose = false) {
  return env.d.client.runtime('ContainerStatus', { container_id: id, verbose });
}

/** Polls ContainerStatus until the container has exited (the test's own timeout bounds it). */
export async function waitExited(env: ContainerEnv, id: string) {
  for (;;) {
    const s = await status(env, id);
    if (s.status?.state === 'CONTAINER_EXITED') return s.status;
    await sleep(50);
  }
}

/** The text of a CRI log file's lines, by stream. */
export function readLog(path: string): { stream: string; tag: string; text: string; time: string }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [time, stream, tag, ...rest] = l.split(' ');
      return { time: time!, stream: stream!, tag: tag!, text: rest.join(' ') };
    });
}

export function grpcError(p: Promise<unknown>): Promise<{ code: number; details: string } | undefined> {
  return p.then(
    () => undefined,
    (e: { code: number; details: string }) => e,
  );
}

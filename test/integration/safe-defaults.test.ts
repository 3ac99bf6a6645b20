// The safe defaults a container gets with no configuration, through the daemon and runc:
// no_new_privs for containers that can go without escalation (runtime.no_new_privileges), also in
// what is exec'd into them, and not for privileged or CAP_SYS_ADMIN containers, which Kubernetes
// lets escalate; moby's masked paths; the CRI socket root-owned 0660; the streaming server on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { containerEnv, createContainer, runPod, waitExited, readLog, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
let podId: string;
let privPodId: string;
before(async () => {
  env = await containerEnv();
  podId = (await runPod(env)).id;
  privPodId = (await runPod(env, { linux: { security_context: { privileged: true } } })).id;
});
after(async () => {
  await env?.close();
});

const noNewPrivs = (text: string) => /^NoNewPrivs:\s*(\d)$/m.exec(text)?.[1];

async function statusOf(pod: string, security_context: Record<string, unknown>): Promise<string> {
  const c = await createContainer(env, pod, { command: ['cat', '/proc/self/status'], linux: { security_context } });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const s = await waitExited(env, c.id);
  const text = readLog(s.log_path).map((l) => l.text).join('\n');
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  return text;
}

test('no_new_privs by default, in the container and in what is exec\'d; not where escalation is needed', async () => {
  assert.equal(noNewPrivs(await statusOf(podId, {})), '1', 'a container asking nothing');
  assert.equal(noNewPrivs(await statusOf(podId, { capabilities: { add_capabilities: ['SYS_ADMIN'] } })), '0', 'CAP_SYS_ADMIN');
  assert.equal(noNewPrivs(await statusOf(privPodId, { privileged: true })), '0', 'privileged');

  const c = await createContainer(env, podId, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const r = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['cat', '/proc/self/status'], timeout: '20' });
  assert.equal(noNewPrivs(Buffer.from(r.stdout).toString()), '1', 'ExecSync');
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '1' });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
});

test('/proc/interrupts is masked (moby GHSA-6fw5-f8r9-fgfm), /proc/sys read-only', async () => {
  const c = await createContainer(env, podId, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const run = async (script: string) => {
    const r = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['sh', '-c', script], timeout: '20' });
    return Buffer.from(r.stdout).toString().trim();
  };
  assert.equal(await run('wc -c < /proc/interrupts'), '0');
  assert.match(await run('grep " /proc/sys " /proc/self/mounts'), /\bro\b/);
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '1' });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
});

test('the CRI socket is root:root 0660 and streaming URLs point at loopback', async () => {
  const st = statSync(env.d.dirs.socket);
  assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [0, 0, '660']);
  const c = await createContainer(env, podId, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const { url } = await env.d.client.runtime('Exec', { container_id: c.id, cmd: ['true'], stdout: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '1' });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
});

// pod.pause_image: the infra runs a configured image (pulled on first use from a local registry)
// instead of the host's catatonit; its root filesystem is an overlay snapshot removed with the pod.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { TestDaemon } from '../helpers/daemon.js';
import { imageConfigToml, pushBusybox, startRegistry, type Registry } from '../helpers/registry.js';

let reg: Registry | undefined;
let d: TestDaemon | undefined;
after(async () => {
  await d?.destroy();
  await reg?.stop();
});

test('a configured pause image replaces catatonit as the infra', async () => {
  reg = await startRegistry();
  await pushBusybox(reg, 'library/pause:test', { config: { Entrypoint: ['/bin/sleep'], Cmd: ['2147483647'] } });
  const pause = `${reg.host}/library/pause:test`;
  d = await TestDaemon.start({ configToml: imageConfigToml(reg) + `[pod]\npause_image = "${pause}"\n` });

  const r = await d.client.runtime('RunPodSandbox', { config: { metadata: { name: 'pz', namespace: 'pi', uid: 'u-pz', attempt: 0 }, hostname: 'pz' } });
  const s = await d.client.runtime('PodSandboxStatus', { pod_sandbox_id: r.pod_sandbox_id, verbose: true });
  assert.equal(s.status!.state, 'SANDBOX_READY');
  assert.match(s.status!.network!.ip, /^10\./);
  const info = JSON.parse(s.info.info!) as { pid: number };
  assert.equal(readFileSync(`/proc/${info.pid}/cmdline`, 'utf8').split('\0').filter((x) => x).join(' '), '/bin/sleep 2147483647');
  // The image was pulled on first use and is pinned (the kubelet never collects it).
  const img = await d.client.image('ImageStatus', { image: { image: pause } });
  assert.ok(img.image, 'the pause image is stored');
  assert.equal(img.image!.pinned, true);

  await d.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
  assert.ok(!existsSync(`${d.dirs.root}/snapshots/active/${r.pod_sandbox_id}`), 'the infra snapshot is removed');
});

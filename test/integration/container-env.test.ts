// Environment values are bytes on the wire (cri-api 1.36.2). Those config.json can carry (UTF-8)
// reach the container's process and its ExecSync processes byte for byte; those it cannot (not
// UTF-8, a NUL) are refused with INVALID_ARGUMENT naming the variable, and nothing is left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { containerEnv, createContainer, grpcError, runPod, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
let podId: string;
before(async () => {
  env = await containerEnv();
  podId = (await runPod(env)).id;
});
after(async () => {
  await env?.close();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** busybox od's "-An -tx1 -v" output as one hex string. */
const odHex = (out: Uint8Array) => Buffer.from(out).toString().replace(/\s+/g, '');

async function execSync(id: string, script: string): Promise<Buffer> {
  const r = await env.d.client.runtime('ExecSync', { container_id: id, cmd: ['sh', '-c', script], timeout: '20' });
  assert.equal(r.exit_code, 0, Buffer.from(r.stderr).toString());
  return Buffer.from(r.stdout);
}

test('UTF-8 values (multi-byte, newline, "=", BOM) reach the process and ExecSync byte for byte', async () => {
  const values: Record<string, Buffer> = {
    G: Buffer.from('grüße ✓ 😀', 'utf8'),
    M: Buffer.from('line1\nline2\t=x=', 'utf8'),
    B: Buffer.from([0xef, 0xbb, 0xbf, 0x41]), // a BOM, which a lenient decoder would drop
    E: Buffer.alloc(0),
  };
  const envs = Object.entries(values).map(([key, value]) => ({ key, value }));
  // The main process writes what it got, raw, before anyone execs into it.
  const c = await createContainer(env, podId, {
    envs,
    command: ['sh', '-c', 'for k in G M B E; do eval "printf %s \\"\\$$k\\"" > /tmp/$k; done; touch /tmp/done; sleep 3600'],
  });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  for (let i = 0; i < 100; i++) {
    const r = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['test', '-e', '/tmp/done'], timeout: '10' });
    if (r.exit_code === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  for (const [k, v] of Object.entries(values)) {
    assert.equal(hex(await execSync(c.id, `cat /tmp/${k}`)), hex(v), `main process ${k}`);
    assert.equal(odHex(await execSync(c.id, `printf %s "$${k}" | od -An -tx1 -v`)), hex(v), `ExecSync ${k}`);
  }
  // E is set, to nothing (not unset).
  assert.equal((await execSync(c.id, 'env | grep -c "^E=$"')).toString().trim(), '1');
});

test('a value that is not UTF-8 is refused naming the key; the name stays free and the daemon up', async () => {
  const bad = await grpcError(
    createContainer(env, podId, { name: 'bin', envs: [{ key: 'OK', value: Buffer.from('x') }, { key: 'SECRET', value: Buffer.from([0x61, 0xff, 0xfe, 0x62]) }], command: ['true'] }),
  );
  assert.equal(bad?.code, 3, JSON.stringify(bad)); // INVALID_ARGUMENT
  assert.match(bad!.details, /"SECRET".*not valid UTF-8 \(byte 0xff at offset 1\)/);
  const nul = await grpcError(createContainer(env, podId, { name: 'bin', envs: [{ key: 'Z', value: Buffer.from('a\0b') }], command: ['true'] }));
  assert.equal(nul?.code, 3);
  assert.match(nul!.details, /"Z".*NUL/);

  const list = await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: podId } });
  assert.ok(!list.containers.some((x) => x.metadata?.name === 'bin'), 'no container was left behind');
  const ok = await createContainer(env, podId, { name: 'bin', envs: [{ key: 'SECRET', value: Buffer.from('ab') }], command: ['true'] });
  assert.ok(ok.id);
});

// ExecSync through the container's OciRuntime: a runtime failure while the container stopped is
// the CRI's race (FAILED_PRECONDITION), decided by the runtime's state, not by its words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../config/load.js';
import { FailedPreconditionError, OciRuntimeError } from '../errors/catalog.js';
import type { ExecSyncRequest, OciRuntime, OciState } from '../oci/runtime.js';
import { execSyncInContainer } from './ops.js';
import type { OpsDeps } from './step-deps.js';
import { NoSessions } from './test-fakes.js';
import type { ContainerRecord } from './types.js';

function fixture(state: OciState['status'], fail: Error | undefined) {
  const asked: ExecSyncRequest[] = [];
  const rt: OciRuntime = {
    ...new NoSessions(),
    name: 'fake',
    create: () => Promise.reject(new Error('not here')),
    start: async () => {},
    kill: async () => {},
    delete: async () => {},
    update: async () => {},
    state: async (id) => ({ id, status: state, pid: 1, bundle: '/b' }),
    execSync: async (req) => {
      asked.push(req);
      if (fail) throw fail;
      return { stdout: Buffer.from('out'), stderr: Buffer.alloc(0), exitCode: 0 };
    },
  };
  const record = { meta: { id: 'c1', runtimeHandler: 'runc', bundle: '/b' } } as ContainerRecord;
  const svc = {
    getRunning: () => record,
    deps: { config: defaultConfig(), runtime: (h: string) => (h === 'runc' ? rt : assert.fail(`handler ${h}`)) },
  } as unknown as OpsDeps;
  return { svc, asked };
}

test('ExecSync asks the container\'s runtime, with the deadline and the output cap', async () => {
  const { svc, asked } = fixture('running', undefined);
  const r = await execSyncInContainer(svc, 'c1', ['echo', 'x'], 3);
  assert.equal(r.stdout.toString(), 'out');
  assert.deepEqual(asked, [{ id: 'c1', cmd: ['echo', 'x'], timeoutMs: 3000, maxOutputBytes: 16 * 1024 * 1024 }]);
});

test('a runtime failure while the container stopped is FAILED_PRECONDITION, whatever the words', async () => {
  const broken = new OciRuntimeError('runc exec failed', 1, 'error writing config to pipe: write init-p: broken pipe');
  const stopped = fixture('stopped', broken);
  await assert.rejects(execSyncInContainer(stopped.svc, 'c1', ['true'], 0), (e: Error) => e instanceof FailedPreconditionError && /stopped meanwhile/.test(e.message));
  // Still running: the runtime's own failure stands.
  const running = fixture('running', broken);
  await assert.rejects(execSyncInContainer(running.svc, 'c1', ['true'], 0), (e: Error) => e === broken);
});

// The codecs built from the generated JSON must behave exactly like @grpc/proto-loader's from the
// .proto (what the daemon used before): same methods, paths, client aliases, bytes and objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/grpc-js';
import { criProto, clientAlias, CRI_SERVICES } from './proto.js';
import { protoFile } from '../util/package-info.js';

type AnyMethod = MethodDefinition<unknown, unknown>;

const reference = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });

function ours(service: string): Record<string, AnyMethod> {
  const v1 = criProto().runtime.v1 as unknown as Record<string, { service: Record<string, AnyMethod> }>;
  return v1[service.split('.').pop()!]!.service;
}

test('every CRI method has the path, streaming flags and client alias proto-loader gives it', () => {
  let n = 0;
  for (const s of CRI_SERVICES) {
    const ref = reference[s] as unknown as Record<string, AnyMethod>;
    const mine = ours(s);
    assert.deepEqual(Object.keys(mine), Object.keys(ref));
    for (const [name, m] of Object.entries(ref)) {
      const o = mine[name]!;
      assert.equal(o.path, m.path);
      assert.equal(o.requestStream, m.requestStream);
      assert.equal(o.responseStream, m.responseStream);
      assert.equal(o.originalName, m.originalName);
      n++;
    }
  }
  assert.equal(n, 41);
  assert.equal(clientAlias('ImageFsInfo'), 'imageFsInfo');
});

const samples: [string, 'request' | 'response', unknown][] = [
  ['RunPodSandbox', 'request', {
    config: {
      metadata: { name: 'web', uid: 'u-1', namespace: 'default', attempt: 2 },
      hostname: 'web',
      labels: { app: 'web', tier: 'x' },
      port_mappings: [{ protocol: 'UDP', container_port: 53, host_port: 5353, host_ip: '127.0.0.1' }],
      linux: { security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER' }, run_as_user: { value: '0' } } },
    },
    runtime_handler: 'runc',
  }],
  ['ListContainers', 'response', {
    containers: [
      { id: 'a'.repeat(64), pod_sandbox_id: 'b'.repeat(64), state: 'CONTAINER_EXITED', created_at: '1764355200123456789', labels: { k: 'v' }, image: { image: 'busybox' } },
      { id: 'c', state: 'CONTAINER_RUNNING', created_at: '18446744073709551615' },
    ],
  }],
  ['ExecSync', 'response', { stdout: Buffer.from('hi\n'), stderr: Buffer.alloc(0), exit_code: 3 }],
  ['Status', 'response', { status: { conditions: [{ type: 'RuntimeReady', status: true }] }, info: { config: '{}' } }],
  ['ListPodSandbox', 'request', {}],
  ['UpdateContainerResources', 'request', { container_id: 'x', linux: { memory_limit_in_bytes: '-1', cpu_shares: '512', unified: { 'memory.high': '1' } } }],
];

test('encodings and decoded objects (defaults, int64 strings, enum names, bytes, maps) match proto-loader', () => {
  const ref = reference['runtime.v1.RuntimeService'] as unknown as Record<string, AnyMethod>;
  const mine = ours('runtime.v1.RuntimeService');
  for (const [rpc, dir, value] of samples) {
    const r = ref[rpc]!;
    const o = mine[rpc]!;
    const [rs, rd, os, od] =
      dir === 'request'
        ? [r.requestSerialize, r.requestDeserialize, o.requestSerialize, o.requestDeserialize]
        : [r.responseSerialize, r.responseDeserialize, o.responseSerialize, o.responseDeserialize];
    const bytes = os(value);
    assert.ok(Buffer.isBuffer(bytes), `${rpc}: a Buffer`);
    assert.deepEqual(bytes, rs(value), `${rpc} ${dir}: same bytes`);
    assert.deepEqual(od(bytes), rd(bytes), `${rpc} ${dir}: same decoded object`);
  }
});

test('serializing an array is refused, as proto-loader does', () => {
  const m = ours('runtime.v1.RuntimeService').Version!;
  assert.throws(() => m.requestSerialize([] as unknown), /expected object with VersionRequest structure, got array/);
});

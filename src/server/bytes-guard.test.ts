import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criProto } from './proto.js';

const service = criProto().runtime.v1.RuntimeService.service;

test('a request with a string in a bytes field is refused, not sent as its base64 decoding', () => {
  const create = (value: unknown) => service.CreateContainer.requestSerialize({ pod_sandbox_id: 'p', config: { envs: [{ key: 'A', value: Buffer.from('x') }, { key: 'OVER', value }] } } as never);
  assert.throws(() => create('cri'), /CreateContainerRequest\.config\.envs\[1\]\.value is a bytes field/);
  const back = service.CreateContainer.requestDeserialize(create(Buffer.from([0x61, 0xff]))) as { config: { envs: { value: Buffer }[] } };
  assert.deepEqual(back.config.envs[1]!.value, Buffer.from([0x61, 0xff]));
  assert.ok(create(new Uint8Array([1, 2])).length > 0);
  assert.ok(create(undefined).length > 0);
});

test('requests without bytes fields, and responses, are untouched', () => {
  assert.ok(service.ListContainers.requestSerialize({ filter: { label_selector: { a: 'b' } } } as never).length > 0);
  // The daemon's own responses are typed; a base64 string there keeps protobufjs's meaning.
  const out = service.ExecSync.responseSerialize({ stdout: 'aGk=', stderr: Buffer.alloc(0), exit_code: 0 } as never);
  assert.deepEqual((service.ExecSync.responseDeserialize(out) as { stdout: Buffer }).stdout, Buffer.from('hi'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeHandlers, imageHandlers, STATELESS_RPCS } from './registry.js';

test('only Version and RuntimeConfig skip the store sync, and both are handled here', () => {
  assert.deepEqual([...STATELESS_RPCS].sort(), ['RuntimeConfig', 'Version']);
  for (const rpc of STATELESS_RPCS) assert.equal(typeof (runtimeHandlers as Record<string, unknown>)[rpc], 'function', rpc);
  assert.equal(Object.keys(imageHandlers).some((rpc) => STATELESS_RPCS.has(rpc)), false);
});

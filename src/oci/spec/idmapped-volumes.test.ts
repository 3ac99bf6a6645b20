import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withIdmappedVolumes } from './idmapped-volumes.js';
import type { OciSpec } from './types.js';

test('only the named bind mounts get the idmap option and the mappings', () => {
  const m = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const s = { mounts: [
    { destination: '/vol', type: 'bind', source: '/h', options: ['rbind', 'rw'] },
    { destination: '/etc/hosts', type: 'bind', source: '/p', options: ['rbind'] },
    { destination: '/proc', type: 'proc', source: 'proc' },
  ] } as unknown as OciSpec;
  withIdmappedVolumes(['/vol'], m, m)(s);
  assert.deepEqual(s.mounts[0], { destination: '/vol', type: 'bind', source: '/h', options: ['rbind', 'rw', 'idmap'], uidMappings: m, gidMappings: m });
  assert.deepEqual(s.mounts[1], { destination: '/etc/hosts', type: 'bind', source: '/p', options: ['rbind'] });
  assert.equal(s.mounts[2]!.uidMappings, undefined);
});

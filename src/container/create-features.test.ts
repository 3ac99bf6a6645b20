import test from 'node:test';
import assert from 'node:assert/strict';
import { checkPodUserns, snapshotIdmap, type FeatureRequest } from './create-features.js';
import { FailedPreconditionError } from '../errors/catalog.js';

const maps = { uids: [{ container_id: 0, host_id: 131072, length: 65536 }], gids: [{ container_id: 0, host_id: 196608, length: 65536 }] };
const req = (userns?: typeof maps) => ({ ...(userns ? { userns } : {}) }) as FeatureRequest;

test('a container joins its pod user namespace: asking for one the pod lacks, or other mappings, is refused', () => {
  checkPodUserns(req(), {});
  checkPodUserns(req(), { userns: maps }); // unsaid: it joins the pod's, as its other namespaces
  checkPodUserns(req(maps), { userns: maps });
  assert.throws(() => checkPodUserns(req(maps), {}), FailedPreconditionError);
  assert.throws(() => checkPodUserns(req({ ...maps, uids: [{ container_id: 0, host_id: 1, length: 65536 }] }), { userns: maps }), /mappings differ/);
});

test('the snapshot of a userns container: idmapped through the pod namespace, upper dir owned by the pod root', () => {
  assert.equal(snapshotIdmap({}), undefined);
  assert.deepEqual(snapshotIdmap({ userns: { path: '/run/ns/x-user', ...maps } }), { userns: '/run/ns/x-user', rootUid: 131072, rootGid: 196608 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountOptionsAt, probeSpec, USERNS_PROBE_HOST_ID, usernsProbeSpec } from './handler-features.js';

test('mountinfo: the options of the mount on top at a point (octal escapes decoded)', () => {
  const info = [
    '100 99 0:50 / / ro,relatime - overlay overlay rw',
    '101 100 0:51 / /vol ro,relatime - tmpfs t rw',
    '102 101 0:52 / /vol/sub rw,relatime - tmpfs t rw',
    '103 101 0:53 / /vol/sub ro,relatime - tmpfs t rw',
    '104 100 0:54 / /a\\040b rw - tmpfs t rw',
  ].join('\n');
  assert.deepEqual(mountOptionsAt(info, '/vol'), ['ro', 'relatime']);
  assert.deepEqual(mountOptionsAt(info, '/vol/sub'), ['ro', 'relatime']);
  assert.deepEqual(mountOptionsAt(info, '/a b'), ['rw']);
  assert.equal(mountOptionsAt(info, '/none'), undefined);
});

test('the probe asks for rro on a bind with a submount, nothing else', () => {
  const s = probeSpec('/probe/src') as { mounts: { destination: string; options?: string[] }[] };
  assert.deepEqual(s.mounts.find((m) => m.destination === '/vol')?.options, ['rbind', 'rprivate', 'rro']);
});

test('user namespace probe: joins the pinned user namespace and a host-owned network namespace, as a pod container does', () => {
  const s = usernsProbeSpec('/run/p/userns') as { linux: { namespaces: { type: string; path?: string }[]; uidMappings: { hostID: number }[] } };
  assert.deepEqual(s.linux.namespaces.find((n) => n.type === 'user'), { type: 'user', path: '/run/p/userns' });
  assert.ok(s.linux.namespaces.some((n) => n.type === 'network' && n.path), 'a network namespace of the host user namespace');
  assert.equal(s.linux.uidMappings[0]!.hostID, USERNS_PROBE_HOST_ID);
});

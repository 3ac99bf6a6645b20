import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPodSandboxStatus } from './pod-convert.js';
import type { PodRecord } from '../pod/types.js';

function pod(o: Partial<PodRecord>): PodRecord {
  return {
    id: 'p1',
    metadata: { name: 'n', namespace: 'ns', uid: 'u', attempt: 0 },
    state: 'SANDBOX_READY',
    createdAtNs: '1',
    config: { labels: {}, annotations: {} },
    namespaces: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
    runtimeHandler: 'runc',
    ips: [],
    ...o,
  } as unknown as PodRecord;
}

const cni = { network: { cniVersion: '1.0.0', name: 'net', plugins: [] }, result: {}, loopback: false } as unknown as PodRecord['cni'];

test('a pod with its network reports its IPs, the first as the primary', () => {
  const s = toPodSandboxStatus(pod({ ips: ['10.1.0.2', 'fd00::2'], cni }));
  assert.deepEqual(s.network, { ip: '10.1.0.2', additional_ips: [{ ip: 'fd00::2' }] });
});

test('a stopped pod (network torn down, IPs back in IPAM) reports none, as containerd does', () => {
  const s = toPodSandboxStatus(pod({ state: 'SANDBOX_NOTREADY', ips: ['10.1.0.2', 'fd00::2'] }));
  assert.deepEqual(s.network, { ip: '', additional_ips: [] });
});

test('a NOTREADY pod whose CNI DEL failed still holds its address and says so', () => {
  const s = toPodSandboxStatus(pod({ state: 'SANDBOX_NOTREADY', ips: ['10.1.0.2'], cni }));
  assert.equal(s.network!.ip, '10.1.0.2');
});

test('a pod whose ADD a crash left unrecorded holds its address until the DEL runs', () => {
  const s = toPodSandboxStatus(pod({ ips: ['10.1.0.2'], cniPending: true }));
  assert.equal(s.network!.ip, '10.1.0.2');
});

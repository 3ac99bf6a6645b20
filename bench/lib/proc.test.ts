import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKiB, parsePpid, parseCmdline, helperProcesses, daemonChildren, sumMemory, memoryOf, listProcesses, hostPidNs, type ProcInfo } from './proc.js';

const status = 'Name:\tconmon\nPPid:\t1\nVmRSS:\t    1844 kB\nRssAnon:\t  300 kB\n';

test('status and smaps_rollup fields in KiB', () => {
  assert.equal(parseKiB(status, 'VmRSS'), 1844);
  assert.equal(parseKiB(status, 'VmSwap'), undefined);
  assert.equal(parseKiB('Rss:    900 kB\nPss:     412 kB\nPss_Anon:  100 kB\n', 'Pss'), 412);
  assert.equal(parsePpid(status), 1);
  assert.deepEqual(parseCmdline('/usr/bin/conmon\0-b\0/tmp/x/b\0'), ['/usr/bin/conmon', '-b', '/tmp/x/b']);
});

const p = (pid: number, comm: string, cmdline: string[], pidNs = 'pid:[1]'): ProcInfo => ({ pid, ppid: 1, comm, cmdline, pidNs });

test('helpers: host pid namespace, not the daemon, naming the private dir', () => {
  const all = [
    p(10, 'containerd', ['/usr/bin/containerd', '--config', '/tmp/bench/ctr/config.toml']),
    p(11, 'containerd-shim', ['/usr/bin/containerd-shim-runc-v2', '-address', '/tmp/bench/ctr/containerd.sock']),
    p(12, 'pause', ['/catatonit', '-P'], 'pid:[99]'),
    p(13, 'conmon', ['/usr/bin/conmon', '-b', '/tmp/bench/ctr-other/b']),
    p(14, 'sleep', ['sleep', '/tmp/bench/ctr/x'], 'pid:[98]'),
  ];
  assert.deepEqual(helperProcesses(all, '/tmp/bench/ctr', 10, 'pid:[1]').map((x) => x.pid), [11]);
});

test("the daemon's own children: its direct children that name no path in the private dir", () => {
  const child = (pid: number, ppid: number, cmdline: string[]): ProcInfo => ({ pid, ppid, comm: cmdline[0] ?? '', cmdline, pidNs: 'pid:[1]' });
  const all = [
    child(10, 1, ['node', 'rktlet', 'serve']),
    child(11, 10, ['/usr/bin/python3', '-I', '-u', '-c', 'import json']),
    child(12, 1, ['/usr/bin/conmon', '-b', '/tmp/bench/rk/b']),
    child(13, 10, ['/usr/sbin/runc', '--root=/tmp/bench/rk/run', 'start', 'x']),
    child(14, 11, ['mount', '-t', 'overlay']),
  ];
  assert.deepEqual(daemonChildren(all, '/tmp/bench/rk', 10).map((x) => x.pid), [11]);
});

test('sums RSS and PSS (RSS when PSS is unknown), counts by name, skips gone processes', () => {
  const procs = [p(1, 'conmon', []), p(2, 'conmon', []), p(3, 'gone', []), p(4, 'old', [])];
  const mem: Record<number, { rssKiB: number; pssKiB?: number }> = { 1: { rssKiB: 100, pssKiB: 40 }, 2: { rssKiB: 100, pssKiB: 60 }, 4: { rssKiB: 7 } };
  assert.deepEqual(sumMemory(procs, (pid) => mem[pid]), { count: 3, rssKiB: 207, pssKiB: 107, byComm: { conmon: 2, old: 1 } });
});

test('reads this process from the real /proc', () => {
  const m = memoryOf(process.pid);
  assert.ok(m && m.rssKiB > 0);
  const me = listProcesses().find((x) => x.pid === process.pid);
  assert.equal(me?.pidNs, hostPidNs());
});

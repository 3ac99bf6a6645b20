import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuArgv, tscKhzOf, vmName } from './qemu-argv.js';

const input = {
  qemu: '/usr/bin/qemu-system-x86_64',
  podId: 'a'.repeat(64),
  kernel: '/c/vmlinux',
  initrd: '/c/initrd',
  shareDir: '/run/vm/p/share',
  tap: 'tap0_rkt',
  mac: '02:42:ac:11:00:02',
  memoryMiB: 256,
  cpus: 1,
  tscKhz: 2600000,
  pidFile: '/run/vm/p/qemu.pid',
  consoleLog: '/run/vm/p/console.log',
  extraArgs: ['-m', '512'],
};

test('the VM: microvm under TCG, detached with a pid file, the share over 9p, the tap with eth0\'s MAC; handler args last', () => {
  const a = qemuArgv(input);
  const after = (flag: string) => a[a.indexOf(flag) + 1];
  assert.equal(a[0], input.qemu);
  assert.equal(after('-name'), vmName(input.podId));
  assert.equal(after('-machine'), 'microvm');
  assert.equal(after('-accel'), 'tcg');
  assert.ok(a.includes('-daemonize'));
  assert.equal(after('-pidfile'), input.pidFile);
  assert.match(after('-append')!, /tsc_early_khz=2600000/);
  assert.match(after('-fsdev')!, /^local,id=share,path=\/run\/vm\/p\/share,security_model=passthrough/);
  assert.equal(after('-netdev'), 'tap,id=net0,ifname=tap0_rkt,script=no,downscript=no');
  assert.match(a.join(' '), /virtio-net-device,netdev=net0,mac=02:42:ac:11:00:02/);
  assert.deepEqual(a.slice(-2), ['-m', '512'], 'the handler may override our -m');
});

test('the handler\'s -accel replaces TCG (QEMU would try TCG first otherwise)', () => {
  const a = qemuArgv({ ...input, extraArgs: ['-accel', 'kvm'] });
  assert.deepEqual(a.filter((x, i) => a[i - 1] === '-accel'), ['kvm']);
});

test('no TSC frequency known: no tsc_early_khz', () => {
  const a = qemuArgv({ ...input, tscKhz: 0 });
  assert.doesNotMatch(a.join(' '), /tsc_early_khz/);
});

test('the host TSC frequency from /proc/cpuinfo', () => {
  assert.equal(tscKhzOf('processor\t: 0\ncpu MHz\t\t: 2600.000\n'), 2600000);
  assert.equal(tscKhzOf('cpu MHz\t\t: 2095.078\n'), 2095078);
  assert.equal(tscKhzOf('nothing'), 0);
});

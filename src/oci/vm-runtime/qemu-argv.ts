// The QEMU command line of a pod's VM (pure). `-machine microvm` (no PCI, no firmware: the
// kernel is loaded directly, devices are virtio-mmio described by ACPI) boots in about 2 s under
// TCG here. The share is 9p served by QEMU itself (`-fsdev` + `virtio-9p-device`, as `-virtfs`
// needs a PCI bus), so no helper process runs beside QEMU. The network is a tap device in the
// pod's network namespace, which QEMU opens by name (it is started inside that namespace).
// `-daemonize` detaches QEMU from the daemon (it outlives a daemon restart) once the VM is set up;
// its pid file is how rktlet finds it again.

export interface QemuInput {
  /** The qemu-system binary (the handler's `path`). */
  qemu: string;
  podId: string;
  kernel: string;
  initrd: string;
  /** The host directory shared as the guest's /share. */
  shareDir: string;
  tap: string;
  mac: string;
  memoryMiB: number;
  cpus: number;
  /** Host TSC frequency in kHz (0: unknown): without it some TCG boots hang calibrating the clock. */
  tscKhz: number;
  pidFile: string;
  consoleLog: string;
  /** The handler's `args`, appended (so they override ours: `-accel kvm`, `-m 512`…). */
  extraArgs: readonly string[];
}

/** QEMU's -name of a pod's VM: recognises the process in /proc. */
export function vmName(podId: string): string {
  return `rktlet-${podId.slice(0, 32)}`;
}

export function qemuArgv(i: QemuInput): string[] {
  const append = ['console=ttyS0', 'quiet', 'panic=-1', 'reboot=t', ...(i.tscKhz > 0 ? [`tsc_early_khz=${i.tscKhz}`] : [])].join(' ');
  return [
    i.qemu,
    '-name', vmName(i.podId),
    '-machine', 'microvm',
    // QEMU tries every -accel in order: the handler's own (`-accel kvm` where /dev/kvm can run a
    // guest, which it cannot on these hosts: "failed to set MSR 0x10a") replaces TCG.
    ...(i.extraArgs.some((a) => a === '-accel' || a === '-enable-kvm') ? [] : ['-accel', 'tcg']),
    '-m', String(i.memoryMiB),
    '-smp', String(i.cpus),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', i.kernel,
    '-initrd', i.initrd,
    '-append', append,
    '-serial', `file:${i.consoleLog}`,
    '-fsdev', `local,id=share,path=${i.shareDir},security_model=passthrough,multidevs=remap`,
    '-device', 'virtio-9p-device,fsdev=share,mount_tag=rktlet',
    '-netdev', `tap,id=net0,ifname=${i.tap},script=no,downscript=no`,
    '-device', `virtio-net-device,netdev=net0,mac=${i.mac}`,
    '-pidfile', i.pidFile,
    '-daemonize',
    ...i.extraArgs,
  ];
}

/** The host's TSC frequency in kHz from /proc/cpuinfo's "cpu MHz" (pure; 0 when absent). */
export function tscKhzOf(cpuinfo: string): number {
  const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo);
  return m ? Math.round(Number(m[1]) * 1000) : 0;
}

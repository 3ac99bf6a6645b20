// Every way rktlet's RuntimeDefault profile knowingly differs from the vendored moby default.json,
// with the reason. drift.test.ts fails on a difference not listed here and on an entry no
// difference needs any more, so this file is the complete, current record.
import type { Justification } from './drift.js';

export const JUSTIFIED: readonly Justification[] = [
  {
    syscall: '(architectures)',
    arch: /^x64$/,
    why:
      'SCMP_ARCH_X32 is left out on kernels without CONFIG_X86_X32_ABI (most distributions, this host): x32 ' +
      'syscalls fail in such a kernel anyway, and each architecture costs the runtime several ms per create and exec ' +
      'to compile. With the x32 ABI present the list is moby\'s (host.x32Abi in the container spec).',
  },
];

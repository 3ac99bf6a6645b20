// The runtimes registry: one OciRuntime (./runtime.ts) per configured handler (RuntimeClass
// handler → implementation), built here and nowhere else. Everything that runs a container's
// processes asks it for the handler's runtime.
//
// `type = "oci"` and `"host"` handlers get the conmon implementation (./conmon-runtime/); `type =
// "vm"` handlers the VM-per-pod implementation (./vm-runtime/), whose `path` is the QEMU binary.
// An unknown handler is refused with the list of the ones this node offers.
import { join } from 'node:path';
import type { Config, RuntimeHandlerConfig } from '../config/schema.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import type { Logger } from '../log/logger.js';
import { ConmonRuntime } from './conmon-runtime/runtime.js';
import { handlerRoot } from './handler-root.js';
import { VmRuntime } from './vm-runtime/runtime.js';
import type { OciRuntime } from './runtime.js';
import { hideUnifiedCgroup, isCrun } from './unified-cgroup.js';

/** Guest memory of a pod's VM (QEMU's -m; the handler's args may say `-m N` to override it). */
const VM_MEMORY_MIB = 256;

export class RuntimeSet {
  private readonly byName = new Map<string, OciRuntime>();

  constructor(readonly config: Config, log?: Logger) {
    for (const [name, h] of Object.entries(config.runtime.handlers)) this.byName.set(name, implementationOf(config, name, h, log));
  }

  /** The handler name a request resolves to: the empty name means the default handler. */
  resolveName(handler: string): string {
    return handler || this.config.runtime.default_handler;
  }

  /**
   * The runtime of a handler; InvalidArgument naming the known handlers when it is not configured.
   */
  get(handler: string): OciRuntime {
    const name = this.resolveName(handler);
    const r = this.byName.get(name);
    if (!r) {
      // containerd's words, plus what this node does offer.
      throw new InvalidArgumentError(`no runtime for "${name}" is configured (configured handlers: ${[...this.byName.keys()].join(', ') || 'none'})`);
    }
    return r;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** The implementation for a handler's type. */
function implementationOf(config: Config, name: string, h: RuntimeHandlerConfig, log: Logger | undefined): OciRuntime {
  switch (h.type) {
    case 'vm':
      return new VmRuntime({
        name,
        qemu: h.path,
        extraArgs: h.args,
        memoryMiB: VM_MEMORY_MIB,
        vmRoot: join(config.run_root, 'vm'),
        cacheDir: join(config.root, 'vm-cache'),
        exitDir: join(config.run_root, 'exits'), // the container part's (src/container/paths.ts), where conmon writes too
        timeoutMs: config.runtime.runtime_timeout_seconds * 1000,
        bootTimeoutMs: config.runtime.runtime_timeout_seconds * 1000,
      });
    case 'oci':
    case 'host': // the same runtime; what makes it "host" is the pod it accepts (./host-isolation.ts)
      return new ConmonRuntime({
        name,
        command: {
          path: h.path,
          root: handlerRoot(config.run_root, name, h),
          args: h.args,
          systemdCgroup: config.runtime.cgroup_driver === 'systemd',
          hideUnifiedCgroup: hideUnifiedCgroup(h.hide_unified_cgroup, h.path),
          execProcessFile: isCrun(h.path),
        },
        conmon: config.runtime.conmon,
        helperDir: join(config.run_root, 'oci-helpers', name),
        execDir: join(config.run_root, 'exec'),
        execPidDir: join(config.run_root, 'exec-pids'),
        timeoutMs: config.runtime.runtime_timeout_seconds * 1000,
        ...(log ? { log } : {}),
      });
  }
}

// The runtimes registry: one OciRuntime (./runtime.ts) per configured handler (RuntimeClass
// handler → implementation), built here and nowhere else. Everything that runs a container's
// processes asks it for the handler's runtime.
//
// `type = "oci"` handlers get the conmon implementation (./conmon-runtime/). `type = "vm"` is where
// a VM-isolated implementation of the same interface plugs in (a case in implementationOf); there is
// none yet, so such a handler is refused: at start-up when it is the default handler (nothing could
// run), otherwise when a pod asks for it. It is never run as an OCI runtime by mistake.
// An unknown handler is refused with the list of the ones this node offers.
import { join } from 'node:path';
import type { Config, RuntimeHandlerConfig } from '../config/schema.js';
import { ConfigError, InvalidArgumentError, UnimplementedError } from '../errors/catalog.js';
import type { Logger } from '../log/logger.js';
import { ConmonRuntime } from './conmon-runtime/runtime.js';
import { handlerRoot } from './handler-root.js';
import type { OciRuntime } from './runtime.js';
import { hideUnifiedCgroup, isCrun } from './unified-cgroup.js';

/** Why a `vm` handler cannot be used (the same words at start-up and at use). */
function vmRefusal(name: string): string {
  return `runtime handler "${name}" has type "vm", which this rktlet does not implement yet (it has no VM runtime); use a handler of type "oci"`;
}

export class RuntimeSet {
  private readonly byName = new Map<string, OciRuntime | { refused: string }>();

  constructor(readonly config: Config, log?: Logger) {
    const rt = config.runtime;
    const def = rt.handlers[rt.default_handler];
    if (def?.type === 'vm') throw new ConfigError('runtime.default_handler', vmRefusal(rt.default_handler));
    for (const [name, h] of Object.entries(rt.handlers)) this.byName.set(name, implementationOf(config, name, h, log));
  }

  /** The handler name a request resolves to: the empty name means the default handler. */
  resolveName(handler: string): string {
    return handler || this.config.runtime.default_handler;
  }

  /**
   * The runtime of a handler; InvalidArgument naming the known handlers when it is not configured,
   * Unimplemented for a handler whose type has no implementation (vm).
   */
  get(handler: string): OciRuntime {
    const name = this.resolveName(handler);
    const r = this.byName.get(name);
    if (!r) {
      // containerd's words, plus what this node does offer.
      throw new InvalidArgumentError(`no runtime for "${name}" is configured (configured handlers: ${[...this.byName.keys()].join(', ') || 'none'})`);
    }
    if ('refused' in r) throw new UnimplementedError(r.refused);
    return r;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** The implementation for a handler's type. */
function implementationOf(config: Config, name: string, h: RuntimeHandlerConfig, log: Logger | undefined): OciRuntime | { refused: string } {
  switch (h.type) {
    case 'vm':
      return { refused: vmRefusal(name) };
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

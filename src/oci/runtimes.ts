// The configured runtime handlers (RuntimeClass handler → driver). An unknown handler is refused
// with the list of the ones this node offers.
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { RuncRuntime } from './runc-runtime.js';

export class RuntimeSet {
  private readonly byName = new Map<string, RuncRuntime>();

  constructor(readonly config: Config) {
    const rt = config.runtime;
    for (const [name, h] of Object.entries(rt.handlers)) {
      this.byName.set(
        name,
        new RuncRuntime({
          name,
          path: h.path,
          root: h.root || join(config.run_root, 'oci', name), // as config/load.ts fills it
          args: h.args,
          hideUnifiedCgroup: h.hide_unified_cgroup,
          conmon: rt.conmon,
          systemdCgroup: rt.cgroup_driver === 'systemd',
          helperDir: join(config.run_root, 'oci-helpers', name),
          timeoutMs: rt.runtime_timeout_seconds * 1000,
        }),
      );
    }
  }

  /** The handler name a request resolves to: the empty name means the default handler. */
  resolveName(handler: string): string {
    return handler || this.config.runtime.default_handler;
  }

  /** The driver of a handler; InvalidArgument naming the known handlers when it is not configured. */
  get(handler: string): RuncRuntime {
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

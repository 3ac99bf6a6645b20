// The container's process: arguments by the Kubernetes rules, environment, working directory, stdio.
import { InvalidArgumentError } from '../../errors/catalog.js';
import type { EnvVar } from './env-values.js';
import type { SpecOpt } from './types.js';

/**
 * Kubernetes rules: a command replaces the image Entrypoint (and drops its Cmd); args alone
 * replace the Cmd and keep the Entrypoint; neither runs Entrypoint + Cmd.
 */
export function mergeArgs(
  image: { Entrypoint?: string[] | null; Cmd?: string[] | null },
  command: string[],
  args: string[],
): string[] {
  if (command.length > 0) return [...command, ...args];
  const entrypoint = image.Entrypoint ?? [];
  const rest = args.length > 0 ? args : (image.Cmd ?? []);
  const out = [...entrypoint, ...rest];
  if (out.length === 0) throw new InvalidArgumentError('no command specified: neither the request nor the image gives one');
  return out;
}

export function withProcessArgs(args: string[]): SpecOpt {
  return (s) => {
    s.process.args = [...args];
  };
}

/** Sets KEY=VALUE entries in order; a later entry replaces an earlier one with the same key in place. */
export function mergeEnv(base: string[], add: string[]): string[] {
  const out = [...base];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(envKey(e), i));
  for (const e of add) {
    const k = envKey(e);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(e);
    } else out[at] = e;
  }
  return out;
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** The image's variables, then the request's (which win), over PATH and HOSTNAME defaults. */
export function withEnv(imageEnv: string[], criEnv: EnvVar[], hostname?: string): SpecOpt {
  return (s) => {
    let env = s.process.env;
    if (hostname) env = mergeEnv(env, [`HOSTNAME=${hostname}`]);
    env = mergeEnv(env, imageEnv);
    env = mergeEnv(
      env,
      criEnv.map((kv) => `${kv.key}=${kv.value}`),
    );
    s.process.env = env;
  };
}

export function withCwd(requestDir: string, imageDir: string | undefined): SpecOpt {
  return (s) => {
    s.process.cwd = requestDir || imageDir || '/';
  };
}

export function withTerminal(tty: boolean): SpecOpt {
  return (s) => {
    s.process.terminal = tty;
  };
}

export function withHostname(hostname: string): SpecOpt {
  return (s) => {
    if (hostname) s.hostname = hostname;
  };
}

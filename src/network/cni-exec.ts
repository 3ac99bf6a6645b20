// Running one CNI plugin binary: the CNI_* environment, the config on stdin, the result (or the
// plugin's error object) on stdout.
import { CommandError, runCommand, type CommandOutput } from '../util/command.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniInvocation {
  command: CniCommand;
  containerId: string;
  /** Path of the network namespace; empty for a DEL whose namespace is gone. */
  netns: string;
  ifName: string;
  /** K=V pairs joined with ';'. */
  args: string;
  pluginDirs: readonly string[];
}

/** A plugin failure: the text a client sees is the plugin's own message and details. */
export class CniPluginError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: CniCommand,
    readonly cniCode: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The CNI_ARGS of a Kubernetes pod (pure). */
export function kubernetesCniArgs(p: { namespace: string; name: string; infraId: string; uid: string }): string {
  return [
    'IgnoreUnknown=1',
    `K8S_POD_NAMESPACE=${p.namespace}`,
    `K8S_POD_NAME=${p.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${p.infraId}`,
    `K8S_POD_UID=${p.uid}`,
  ].join(';');
}

/** Formats a plugin's error object (`{code, msg, details}`) or its raw output. */
export function pluginErrorText(type: string, stdout: string, stderr: string, exitCode: number | null): { code?: number; text: string } {
  try {
    const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    if (e && typeof e.msg === 'string') {
      return { code: e.code, text: `plugin type="${type}" failed (${e.code ?? '?'}): ${e.msg}${e.details ? `: ${e.details}` : ''}` };
    }
  } catch {
    // not JSON: fall through
  }
  const raw = (stderr || stdout).trim();
  return { text: `plugin type="${type}" failed (exit ${exitCode ?? 'signal'})${raw ? `: ${raw}` : ''}` };
}

export async function execPlugin(binary: string, type: string, inv: CniInvocation, config: object, timeoutMs = 60_000): Promise<unknown> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: inv.command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifName,
    CNI_ARGS: inv.args,
    CNI_PATH: inv.pluginDirs.join(':'),
  };
  let out: CommandOutput;
  try {
    out = await runCommand(binary, [], { env, input: JSON.stringify(config), timeoutMs });
  } catch (err) {
    if (err instanceof CommandError && err.killed) {
      const t = `plugin type="${type}" ${inv.command} did not answer: timed out after ${timeoutMs / 1000} s (network.plugin_timeout_seconds) and was killed`;
      throw new CniPluginError(type, inv.command, undefined, t);
    }
    if (!(err instanceof CommandError) || typeof err.code === 'string') {
      throw new CniPluginError(type, inv.command, undefined, `plugin type="${type}": ${(err as Error).message}`);
    }
    const e = pluginErrorText(type, err.stdout, err.stderr, err.code);
    throw new CniPluginError(type, inv.command, e.code, e.text);
  }
  if (!out.stdout.trim()) return undefined;
  try {
    return JSON.parse(out.stdout);
  } catch {
    throw new CniPluginError(type, inv.command, undefined, `plugin type="${type}" printed an unreadable result: ${out.stdout.slice(0, 200)}`);
  }
}

// What the running kernel was built with, from /proc/config.gz or /boot/config-<release>. Only the
// answers spec generation needs; "unknown" whenever the config cannot be read, so callers keep
// the conservative choice.
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';

/** CONFIG_X86_X32_ABI from a kernel config's text: true, false, or undefined when it does not say. */
export function x32AbiFromConfig(text: string): boolean | undefined {
  if (/^CONFIG_X86_X32_ABI=y$/m.test(text)) return true;
  if (/^# CONFIG_X86_X32_ABI is not set$/m.test(text)) return false;
  // An x86-64 config always names the option; any other config cannot run x32 programs.
  if (/^CONFIG_X86_64=y$/m.test(text)) return undefined;
  return /^CONFIG_[A-Z0-9_]+=/m.test(text) ? false : undefined;
}

async function kernelConfigText(): Promise<string | undefined> {
  try {
    return gunzipSync(await readFile('/proc/config.gz')).toString('utf8');
  } catch {
    /* not built with IKCONFIG_PROC */
  }
  try {
    return await readFile(`/boot/config-${release()}`, 'utf8');
  } catch {
    return undefined;
  }
}

let x32: Promise<boolean | undefined> | undefined;

/** Whether the kernel runs x32 programs; undefined when its config cannot be read (read once). */
export function kernelX32Abi(): Promise<boolean | undefined> {
  x32 ??= kernelConfigText().then((t) => (t === undefined ? undefined : x32AbiFromConfig(t)));
  return x32;
}

// V8 options for the daemon (`rktlet serve`), not for the CLI verbs. V8 sizes its heap when the
// process starts, so these cannot be set from inside it (v8.setFlagsFromString leaves the young
// generation as it was): boot.ts re-executes the daemon in place (same pid, execve(2)) with them,
// whoever started it (bin/rktlet as a program, `node bin/rktlet`, systemd, the tests, the bench).
//
// --max-semi-space-size=2: V8 grows the young generation to tens of MiB under allocation
// bursts and RSS keeps the pages it touched. Capped at 2 × 2 MiB, the daemon measured 7 MiB less
// RSS idle (88.6 against 95.7-96.4 MiB) and 3-12 MiB less after 200 pod lifecycles, with the same
// daemon CPU over those lifecycles (6.2 s against 6.3-6.4 s) and per ContainerStatus call;
// scavenges are more frequent, 0.04 ms more CPU per Version call (0.24 against 0.20 ms). 4 and
// 8 MiB saved next to nothing idle. The re-execution adds one Node.js start (~60 ms) to the
// daemon's start. README: "Memory".
//
// A flag given to node already (`node --max-semi-space-size=8 bin/rktlet serve`) wins: no
// re-execution then.
export const DAEMON_V8_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** The option's name, `--max-semi-space-size` of `--max-semi-space-size=2` (`_` and `-` alike). */
function flagName(flag: string): string {
  return flag.split('=')[0]!.replaceAll('_', '-');
}

/**
 * The argv to re-execute `node execArgv script args` with so that it runs with the daemon's flags,
 * or undefined when it already has them (each named in execArgv, whatever its value).
 */
export function daemonArgv(execPath: string, execArgv: readonly string[], argv: readonly string[], flags = DAEMON_V8_FLAGS): string[] | undefined {
  const given = new Set(execArgv.map(flagName));
  const missing = flags.filter((f) => !given.has(flagName(f)));
  if (!missing.length) return undefined;
  return [execPath, ...missing, ...execArgv, ...argv.slice(1)];
}

// The OCI runtime's words for a process it could not start because of the command itself: not in
// the image or on PATH, or not executable. That is the request's doing, not the runtime's
// failure, and is reported as such (ExecSync: exit code 127/126 as a shell would; CreateContainer:
// INVALID_ARGUMENT) instead of UNKNOWN.
export interface CommandNotStarted {
  /** runc's own sentence, e.g. `exec: "nope": executable file not found in $PATH`. */
  message: string;
  /** 127: not found; 126: found but not executable (a directory, no x bit). */
  exitCode: 126 | 127;
}

const NOT_STARTED = /exec: ("(?:[^"\\]|\\.)*"): (?:stat [^\n]*?: )?(executable file not found in \$PATH|no such file or directory|permission denied|is a directory|not a directory|file name too long|argument list too long)/i;

export function commandNotStarted(stderr: string): CommandNotStarted | undefined {
  // runc logs its message as msg="…", with the command's quotes escaped.
  const m = NOT_STARTED.exec(stderr.replace(/\\"/g, '"'));
  if (!m) return undefined;
  const reason = m[2]!.toLowerCase();
  // As sh answers a command name it cannot look up (too long included): 127; found but not runnable: 126.
  const notFound = NOT_FOUND.has(reason);
  return { message: `exec: ${m[1]}: ${m[2]}`, exitCode: notFound ? 127 : 126 };
}

const NOT_FOUND = new Set(['executable file not found in $path', 'no such file or directory', 'not a directory', 'file name too long']);

/**
 * The runtime's stderr, made short enough to read: a command of 70,000 characters is quoted in full
 * (twice, with stat's own words), so the reason comes far past the first 4 KiB (the hostile-requests
 * test found one). Every run of more than 256 characters without a space, quote or colon keeps its
 * first 64 and is elided, which keeps the sentence's shape for the patterns above.
 */
export function complaintOf(stderr: Buffer): string {
  return stderr.toString().replace(/[^\s"\\:]{257,}/g, (run) => `${run.slice(0, 64)}…`);
}

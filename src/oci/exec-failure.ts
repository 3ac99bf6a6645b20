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

const NOT_STARTED = /exec: ("(?:[^"\\]|\\.)*"): (?:stat [^\n]*?: )?(executable file not found in \$PATH|no such file or directory|permission denied|is a directory|not a directory)/;

export function commandNotStarted(stderr: string): CommandNotStarted | undefined {
  // runc logs its message as msg="…", with the command's quotes escaped.
  const m = NOT_STARTED.exec(stderr.replace(/\\"/g, '"'));
  if (!m) return undefined;
  const notFound = m[2] === 'executable file not found in $PATH' || m[2] === 'no such file or directory' || m[2] === 'not a directory';
  return { message: `exec: ${m[1]}: ${m[2]}`, exitCode: notFound ? 127 : 126 };
}

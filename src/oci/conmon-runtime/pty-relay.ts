// A terminal for an exec'd process. Node cannot allocate a pty, so a small python3 helper
// (src/helpers/pty_relay.py, run with `python3 -c`) runs the command on a new pty and relays over pipes:
//   stdin → pty master (EOF becomes ^D, as a user typing it), pty master → stdout,
//   fd 3: lines "<rows> <cols>" → TIOCSWINSZ on the master (the kernel sends SIGWINCH).
// For containers the command is `runc exec --tty …`: runc 1.1 takes a --console-socket only
// when it detaches (and then nobody reaps the process for its exit code), so runc runs attached
// on this pty, allocates the container's own pty in its devpts and copies between the two; on
// SIGWINCH it copies our terminal size onto the container's.
// Usage: python3 -c PTY_RELAY_PY spawn -- CMD…; exits with CMD's code (128+signal when killed).
import { pythonProgram } from '../../helpers/programs.js';

export const PTY_RELAY_PY = pythonProgram('pty_relay');

/** Debian's interpreter, not whatever python3 comes first on PATH. */
export const PYTHON = '/usr/bin/python3';

// Two sockets Node cannot open itself, bridged by python3 helpers (src/helpers/*_relay.py, run
// with `python3 -c`) over plain pipes:
// - conmon's attach socket is SOCK_SEQPACKET: each message from conmon starts with a byte naming
//   the pipe (2 stdout, 3 stderr); what we send is raw stdin; a write shutdown tells conmon our
//   stdin ended (conmon then closes the container's stdin unless it runs with --leave-stdin-open).
//   The relay writes stdout to fd 1 and stderr to fd 3, and connects through /proc/self/fd of an
//   O_PATH handle (as conmon binds it) so long bundle paths fit in sun_path. Usage: -c ATTACH_RELAY_PY SOCKET
// - port forwarding inside a pod: the relay runs under `nsenter --net=<netns>` and connects to
//   127.0.0.1:<port> there; it reports "ok" on fd 3 once connected, errors on stderr. Usage: -c PORT_RELAY_PY PORT
import { pythonProgram } from '../../helpers/programs.js';

export const ATTACH_RELAY_PY = pythonProgram('attach_relay');

export const PORT_RELAY_PY = pythonProgram('port_relay');

// What the OCI runtime's complaints mean. A container stopped by a concurrent StopContainer or
// StopPodSandbox between our state check and the runtime's call is a race the CRI answers with
// FAILED_PRECONDITION (the kubelet re-reads the state), not a runtime failure (UNKNOWN).

/** runc's and crun's words for "this container is not running (any more)". */
const NOT_RUNNING = [
  /cannot start a container that has stopped/i,
  /container process is already dead/i,
  /cannot exec in a stopped container/i,
  /cannot exec a container that has stopped/i,
  /container .* is not running/i,
  // runc exec joining the namespaces of an init that exited after runc's own state check.
  /failed to open \/proc\/\d+\/ns\/\w+: No such file or directory/,
  /lstat \/proc\/\d+\/ns\/\w+: no such file or directory/,
  // runc kill --all freezes the cgroup while it signals: the container is being stopped.
  /cannot exec in a paused container/i,
];

/** Whether a runtime's stderr says the container has stopped (pure). */
export function saysNotRunning(stderr: string): boolean {
  return NOT_RUNNING.some((re) => re.test(stderr));
}

// Whether a pid names a live process (a lock holder, a temp dir's owner): signal 0 reaches it, or
// it exists but is not ours to signal (EPERM). A zombie still counts: its pid is not free yet.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

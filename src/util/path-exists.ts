// Whether a path exists (any type, symlinks followed), for probes that only ask; callers that go on
// to use the file open it and handle ENOENT instead (no check-then-use races).
import { access } from 'node:fs/promises';

export async function pathExists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

// "major:minor" → block device name (sda, nvme0n1) from /sys/dev/block/*/uevent, for the device
// label of IO metrics as cAdvisor shows it. Read once: disks rarely come and go.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** DEVNAME from a uevent file's KEY=value lines. */
export function parseUeventDevname(text: string): string | undefined {
  const m = /^DEVNAME=(.+)$/m.exec(text);
  return m?.[1]?.trim() || undefined;
}

let cached: Promise<Map<string, string>> | undefined;

export function blockDeviceNames(sysDevBlock = '/sys/dev/block'): Promise<Map<string, string>> {
  const load = async () => {
    const out = new Map<string, string>();
    let entries: string[];
    try {
      entries = await readdir(sysDevBlock);
    } catch {
      return out;
    }
    for (const e of entries) {
      const name = parseUeventDevname(await readFile(join(sysDevBlock, e, 'uevent'), 'utf8').catch(() => ''));
      if (name) out.set(e, name);
    }
    return out;
  };
  if (sysDevBlock !== '/sys/dev/block') return load();
  cached ??= load();
  return cached;
}

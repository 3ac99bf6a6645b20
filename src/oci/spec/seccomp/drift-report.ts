// Prints every difference between the built-in RuntimeDefault profile and a moby default.json
// (the vendored one unless a path is given), with its justification; exit 1 when one has none.
// Run by scripts/check-seccomp-drift.sh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../util/package-info.js';
import { configSchema } from '../../../config/schema.js';
import { ALL_CAPABILITIES } from '../defaults.js';
import { defaultSeccompProfile } from '../seccomp-default.js';
import { driftCases, formatDrift, justificationFor, seccompDrift, unjustified, type DockerProfile } from './drift.js';
import { JUSTIFIED } from './justified.js';

export const UPSTREAM_FILE = join(packageRoot, 'src', 'oci', 'spec', 'seccomp', 'upstream', 'moby-profiles-seccomp-v0.2.3', 'default.json');

export function currentDrift(file = UPSTREAM_FILE) {
  const upstream = JSON.parse(readFileSync(file, 'utf8')) as DockerProfile;
  const defaults = configSchema.parse({}).runtime.default_capabilities;
  const cases = driftCases(upstream, defaults, ALL_CAPABILITIES, ['x64', 'arm64'], ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_DAC_READ_SEARCH']);
  // x32Abi: false, what most kernels (this host's among them) get: the one way the profile varies
  // with the host, and a justified difference.
  return seccompDrift(upstream, (caps, arch) => defaultSeccompProfile(caps, arch, { x32Abi: false }), cases);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? UPSTREAM_FILE;
  const drifts = currentDrift(file);
  for (const d of drifts) {
    const j = justificationFor(d, JUSTIFIED);
    process.stdout.write(`${j ? 'justified' : 'OPEN     '} ${formatDrift(d)}${j ? `\n          why: ${j.why}` : ''}\n`);
  }
  const { open, stale } = unjustified(drifts, JUSTIFIED);
  for (const s of stale) process.stdout.write(`STALE     justification for ${s.syscall} matches no difference\n`);
  process.stdout.write(`check-seccomp-drift: ${drifts.length} differences against ${file}, ${open.length} without justification, ${stale.length} stale\n`);
  process.exit(open.length || stale.length ? 1 : 0);
}

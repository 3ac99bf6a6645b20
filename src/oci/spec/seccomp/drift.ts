// How rktlet's RuntimeDefault seccomp profile differs from moby's default.json (the profile docker
// and containerd derive theirs from). Both are expanded to what a runtime would load for one
// architecture and capability set, syscall by syscall, and compared rule by rule: the question
// is "would a container get a different answer to this syscall", not "are the files alike".
import type { OciSeccomp, SeccompArg } from '../types.js';

interface DockerFilter {
  arches?: string[] | null;
  caps?: string[] | null;
  minKernel?: string | null;
}

interface DockerRule {
  names?: string[] | null;
  name?: string;
  action: string;
  errnoRet?: number | null;
  args?: SeccompArg[] | null;
  includes?: DockerFilter | null;
  excludes?: DockerFilter | null;
}

/** moby's profile format (profiles/seccomp/default.json). */
export interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number | null;
  archMap?: { architecture: string; subArchitectures: string[] | null }[] | null;
  syscalls: DockerRule[];
}

/** Node's process.arch → Go's GOARCH, which moby matches `includes.arches` against. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
/** Node's process.arch → the libseccomp architecture heading moby's archMap entry. */
const SCMP_ARCH: Record<string, string> = { x64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64' };

/** One syscall's answer: sorted rule keys (action, errno, argument filters). Empty: the default action. */
type Answers = Map<string, string[]>;

function ruleKey(action: string, errnoRet: number | null | undefined, args: SeccompArg[] | null | undefined): string {
  const a = (args ?? []).map((x) => `${x.index}:${x.op}:${x.value}:${x.valueTwo ?? 0}`).join(',');
  return `${action}${errnoRet !== undefined && errnoRet !== null ? `(${errnoRet})` : ''}${a ? ` [${a}]` : ''}`;
}

function add(out: Answers, name: string, key: string): void {
  const keys = out.get(name) ?? [];
  if (!keys.includes(key)) keys.push(key);
  out.set(name, keys.sort());
}

/**
 * What moby's daemon would load on `arch` for a container with `caps` (its setupSeccomp): a rule
 * applies when every included capability is held and the daemon's arch is included, and neither
 * an excluded capability nor arch matches. minKernel is taken as met: rktlet needs kernels far
 * newer than any minKernel in the file (4.8).
 */
export function expandDocker(p: DockerProfile, arch: string, caps: readonly string[]): { architectures: string[]; answers: Answers } {
  const goarch = GOARCH[arch] ?? arch;
  const held = new Set(caps);
  const answers: Answers = new Map();
  for (const r of p.syscalls) {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if (inc.arches?.length && !inc.arches.includes(goarch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => held.has(c))) continue;
    if (exc.arches?.length && exc.arches.includes(goarch)) continue;
    if (exc.caps?.length && exc.caps.some((c) => held.has(c))) continue;
    for (const n of r.names ?? (r.name ? [r.name] : [])) add(answers, n, ruleKey(r.action, r.errnoRet, r.args));
  }
  const entry = (p.archMap ?? []).find((a) => a.architecture === SCMP_ARCH[arch]);
  const architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
  return { architectures, answers };
}

export function expandOci(p: OciSeccomp): Answers {
  const answers: Answers = new Map();
  for (const r of p.syscalls ?? []) for (const n of r.names) add(answers, n, ruleKey(r.action, r.errnoRet, r.args));
  return answers;
}

/** One difference: `syscall` is a name, or `(architectures)` / `(defaultAction)` for the profile's head. */
export interface Drift {
  arch: string;
  /** Which capability set: `default`, `default+CAP_X`, `all`. */
  caps: string;
  syscall: string;
  upstream: string[];
  ours: string[];
}

export interface DriftCase {
  arch: string;
  label: string;
  caps: string[];
}

/** The default set, the default set plus each capability either profile conditions on, and all. */
export function driftCases(p: DockerProfile, defaultCaps: string[], allCaps: readonly string[], arches = ['x64', 'arm64'], extraCaps: string[] = []): DriftCase[] {
  const conditioned = new Set(extraCaps);
  for (const r of p.syscalls) for (const c of [...(r.includes?.caps ?? []), ...(r.excludes?.caps ?? [])]) conditioned.add(c);
  const out: DriftCase[] = [];
  for (const arch of arches) {
    out.push({ arch, label: 'default', caps: defaultCaps });
    for (const c of [...conditioned].sort()) if (!defaultCaps.includes(c)) out.push({ arch, label: `default+${c}`, caps: [...defaultCaps, c] });
    out.push({ arch, label: 'all', caps: [...allCaps] });
  }
  return out;
}

export function seccompDrift(upstream: DockerProfile, ours: (caps: string[], arch: string) => OciSeccomp, cases: DriftCase[]): Drift[] {
  const drifts: Drift[] = [];
  for (const c of cases) {
    const theirs = expandDocker(upstream, c.arch, c.caps);
    const mine = ours(c.caps, c.arch);
    const push = (syscall: string, u: string[], o: string[]) => drifts.push({ arch: c.arch, caps: c.label, syscall, upstream: u, ours: o });
    const headU = ruleKey(upstream.defaultAction, upstream.defaultErrnoRet, []);
    const headO = ruleKey(mine.defaultAction, mine.defaultErrnoRet, []);
    if (headU !== headO) push('(defaultAction)', [headU], [headO]);
    const archU = [...theirs.architectures].sort();
    const archO = [...(mine.architectures ?? [])].sort();
    if (archU.join() !== archO.join()) push('(architectures)', archU, archO);
    const answersO = expandOci(mine);
    for (const name of new Set([...theirs.answers.keys(), ...answersO.keys()])) {
      const u = theirs.answers.get(name) ?? [];
      const o = answersO.get(name) ?? [];
      if (u.join('|') !== o.join('|')) push(name, u, o);
    }
  }
  return drifts.sort((a, b) => a.syscall.localeCompare(b.syscall) || a.arch.localeCompare(b.arch) || a.caps.localeCompare(b.caps));
}

/** A recorded, reasoned difference. `arch`/`caps` (regular expressions) narrow where it applies. */
export interface Justification {
  syscall: string;
  arch?: RegExp;
  caps?: RegExp;
  why: string;
}

export function justificationFor(d: Drift, list: readonly Justification[]): Justification | undefined {
  return list.find((j) => j.syscall === d.syscall && (!j.arch || j.arch.test(d.arch)) && (!j.caps || j.caps.test(d.caps)));
}

/** Differences with no justification, and justifications no difference needs any more. */
export function unjustified(drifts: Drift[], list: readonly Justification[]): { open: Drift[]; stale: Justification[] } {
  const used = new Set<Justification>();
  const open: Drift[] = [];
  for (const d of drifts) {
    const j = justificationFor(d, list);
    if (j) used.add(j);
    else open.push(d);
  }
  return { open, stale: list.filter((j) => !used.has(j)) };
}

export function formatDrift(d: Drift): string {
  const show = (x: string[]) => (x.length ? x.join(' | ') : 'default action (EPERM)');
  return `${d.syscall} on ${d.arch} with ${d.caps} caps: moby ${show(d.upstream)}; rktlet ${show(d.ours)}`;
}

// Seccomp: RuntimeDefault (built-in or the configured file), Unconfined, or a Localhost profile.
import { InvalidArgumentError } from '../../errors/catalog.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import type { OciSeccomp, SeccompSyscall, SpecOpt } from './types.js';

export type SeccompChoice = { type: 'RuntimeDefault' } | { type: 'Unconfined' } | { type: 'Localhost'; path: string };

/**
 * From the CRI fields: the structured `seccomp` wins over the deprecated `seccomp_profile_path`.
 * Nothing set means RuntimeDefault (security-first) unless `useDefaultWhenEmpty` is off
 * (`runtime.seccomp_use_default_when_empty`, CRI-O's key): then Unconfined, the CRI's own meaning
 * of an empty profile, which critest's "should support nil profile" checks.
 */
export function seccompFromCri(
  seccomp: { profile_type: string; localhost_ref: string } | null,
  legacyPath: string,
  useDefaultWhenEmpty = true,
): SeccompChoice {
  if (!seccomp && legacyPath === '') return { type: useDefaultWhenEmpty ? 'RuntimeDefault' : 'Unconfined' };
  if (seccomp && (seccomp.profile_type !== 'RuntimeDefault' || seccomp.localhost_ref)) {
    switch (seccomp.profile_type) {
      case 'Unconfined':
        return { type: 'Unconfined' };
      case 'Localhost':
        if (!seccomp.localhost_ref.startsWith('/')) throw new InvalidArgumentError(`seccomp localhost_ref "${seccomp.localhost_ref}" must be an absolute path`);
        return { type: 'Localhost', path: seccomp.localhost_ref };
    }
  }
  if (seccomp?.profile_type === 'RuntimeDefault') return { type: 'RuntimeDefault' };
  if (legacyPath === 'unconfined') return { type: 'Unconfined' };
  if (legacyPath.startsWith('localhost/')) return { type: 'Localhost', path: legacyPath.slice('localhost/'.length) };
  if (legacyPath === '' || legacyPath === 'runtime/default' || legacyPath === 'docker/default') return { type: 'RuntimeDefault' };
  throw new InvalidArgumentError(`unknown seccomp profile "${legacyPath}"`);
}

/** Parses a profile file's content (Localhost, or the configured RuntimeDefault). */
export function parseSeccompProfile(text: string, source: string): OciSeccomp {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`seccomp profile ${source} is not JSON`, { cause: err });
  }
  if (typeof p !== 'object' || p === null || typeof (p as { defaultAction?: unknown }).defaultAction !== 'string') {
    throw new InvalidArgumentError(`seccomp profile ${source} has no defaultAction`);
  }
  // Docker-format profiles name single syscalls with "name"; the OCI format wants "names".
  const prof = p as Omit<OciSeccomp, 'syscalls'> & { syscalls?: (Partial<SeccompSyscall> & { name?: string; action: string })[] };
  const out: OciSeccomp = { defaultAction: prof.defaultAction };
  if (prof.defaultErrnoRet !== undefined) out.defaultErrnoRet = prof.defaultErrnoRet;
  if (prof.architectures) out.architectures = prof.architectures;
  if (prof.flags) out.flags = prof.flags;
  if (prof.syscalls) {
    out.syscalls = prof.syscalls.map((s) => {
      const r: SeccompSyscall = { names: s.names ?? (s.name ? [s.name] : []), action: s.action };
      if (s.errnoRet !== undefined) r.errnoRet = s.errnoRet;
      if (s.args?.length) r.args = s.args;
      return r;
    });
  }
  return out;
}

/**
 * `profile`: the parsed file for Localhost or a configured RuntimeDefault (undefined: built-in).
 * Privileged containers get no seccomp (the caller passes Unconfined).
 */
export function withSeccomp(choice: SeccompChoice, capabilities: string[], profile?: OciSeccomp, arch?: string, x32Abi?: boolean): SpecOpt {
  return (s) => {
    if (choice.type === 'Unconfined') {
      delete s.linux.seccomp;
      return;
    }
    if (choice.type === 'Localhost' && !profile) throw new InvalidArgumentError(`seccomp profile ${choice.path} was not loaded`);
    s.linux.seccomp = profile ?? defaultSeccompProfile(capabilities, arch, x32Abi === undefined ? {} : { x32Abi });
  };
}

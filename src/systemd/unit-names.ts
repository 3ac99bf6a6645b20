// systemd's naming rules, in one pure module: where a slice's cgroup is (cg_slice_to_path in
// systemd's cgroup-util.c), how a cgroup directory name is escaped (cg_escape), and how an arbitrary
// string becomes part of a unit name (unit_name_escape, `systemd-escape`). The pod, stats, exit-file
// and resource-update code all place cgroups by these rules, so they must agree with systemd's.
import { InvalidArgumentError } from '../errors/catalog.js';

/** systemd's UNIT_NAME_MAX (256) less the terminating NUL. */
const UNIT_NAME_MAX = 255;
const UNIT_NAME_CHARS = /^[A-Za-z0-9:_.\\-]+$/;

/** Controller names systemd knows: a cgroup named "<controller>.x" would look like its attribute file. */
const CONTROLLERS = [
  'cpu', 'cpuacct', 'cpuset', 'io', 'blkio', 'memory', 'devices', 'pids',
  'bpf-firewall', 'bpf-devices', 'bpf-foreign', 'bpf-socket-bind', 'bpf-restrict-network-interfaces',
];

/** cg_escape: a cgroup directory name that could clash with a cgroupfs file gets a leading "_". */
export function cgEscape(name: string): string {
  const clash =
    name.startsWith('_') ||
    name.startsWith('.') ||
    ['notify_on_release', 'release_agent', 'tasks'].includes(name) ||
    name.startsWith('cgroup.') ||
    CONTROLLERS.some((c) => name.startsWith(`${c}.`));
  return clash ? `_${name}` : name;
}

/** Whether a string is a valid plain (non-template) unit name with the given suffix (".slice"). */
export function isUnitName(name: string, suffix: string): boolean {
  return name.length <= UNIT_NAME_MAX && name.endsWith(suffix) && name.length > suffix.length && UNIT_NAME_CHARS.test(name);
}

/**
 * The cgroup directory of a slice, relative to a hierarchy's root: "a-b-c.slice" →
 * "/a.slice/a-b.slice/a-b-c.slice" (every dash opens a parent slice); "-.slice" (the root slice)
 * → "/". Refused as systemd refuses them: not ".slice", "/" or "@" inside, a leading or trailing
 * dash, or two dashes in a row.
 */
export function expandSlice(slice: string): string {
  if (slice === '-.slice') return '/';
  const bad = (why: string) => new InvalidArgumentError(`"${slice}" is not a valid systemd slice name: ${why}`);
  if (!isUnitName(slice, '.slice')) throw bad('expected a unit name (letters, digits, ":", "_", ".", "\\", "-") ending in .slice');
  const name = slice.slice(0, -'.slice'.length);
  if (name.startsWith('-') || name.endsWith('-') || name.includes('--')) throw bad('dashes separate parent slices, so none may lead, trail or double');
  let path = '';
  let prefix = '';
  for (const part of name.split('-')) {
    prefix = prefix ? `${prefix}-${part}` : part;
    path += `/${cgEscape(`${prefix}.slice`)}`;
  }
  return path;
}

/** A slice name with "/" in it is a path, not a name: expandSlice without throwing (undefined). */
export function trySliceDir(slice: string): string | undefined {
  try {
    return expandSlice(slice);
  } catch {
    return undefined;
  }
}

/** The cgroup directory of a unit (scope, service…) in a slice: "/…/<slice>/<unit>". */
export function unitDir(slice: string, unit: string): string {
  const parent = expandSlice(slice);
  return `${parent === '/' ? '' : parent}/${cgEscape(unit)}`;
}

/**
 * unit_name_escape (what `systemd-escape` prints): any byte outside [A-Za-z0-9:_.] becomes \xNN,
 * "/" becomes "-", and a leading "." is escaped so the name is never hidden.
 */
export function escapeUnitNamePart(s: string): string {
  let out = '';
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    if (c === '/') out += '-';
    else if ((i === 0 && c === '.') || !/^[A-Za-z0-9:_.]$/.test(c)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

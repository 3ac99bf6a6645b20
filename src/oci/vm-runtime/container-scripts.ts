// The shell scripts the guest agent runs for a container and for an exec in it (pure), made from
// the container's config.json on the host, where quoting is done once, right. Inside the guest the
// agent runs inner.sh under `unshare -m -u -i -p -f` (own mount, UTS, IPC and PID namespaces;
// the network is the VM's, which is the pod's), so inner.sh is the container's PID 1 until it
// execs the process: it joins a cgroup of its own (memory and pids limits from the spec), mounts
// /proc (of its PID namespace), /sys, the VM's /dev and the container's bind mounts, then enters the
// root filesystem with `nsenter -r -w` (chroot and working directory) as the spec's user.
import type { OciSpec } from '../spec/types.js';

/** Single-quoted for sh (pure). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A bind mount carried into the guest: the host source is bind-mounted at <ctr>/m/<index>. */
export interface CarriedMount {
  index: number;
  source: string;
  destination: string;
  readonly: boolean;
}

const GUEST_OWNED = /^\/(dev|proc|sys)(\/|$)/;

/** The spec's bind mounts the guest gets (not those under /dev, /proc, /sys: the guest has its own). */
export function carriedMounts(spec: OciSpec): CarriedMount[] {
  const out: CarriedMount[] = [];
  for (const m of spec.mounts ?? []) {
    const opts = m.options ?? [];
    if (m.type !== 'bind' && !opts.includes('bind') && !opts.includes('rbind')) continue;
    if (GUEST_OWNED.test(m.destination) || !m.source) continue;
    out.push({ index: out.length, source: m.source, destination: m.destination, readonly: opts.includes('ro') });
  }
  return out;
}

function userArgs(spec: OciSpec): string {
  const u = spec.process.user;
  return u.uid === 0 && u.gid === 0 ? '' : ` -S ${Math.trunc(u.uid)} -G ${Math.trunc(u.gid)}`;
}

function envArgs(spec: OciSpec): string {
  return (spec.process.env ?? []).map(shq).join(' ');
}

/** inner.sh: run by the agent in the container's new namespaces; `dir` is /share/c/<id>. */
export function innerScript(spec: OciSpec, id: string, dir: string, mounts: CarriedMount[]): string {
  const R = `${dir}/rootfs`;
  const lines = ['set -e', `R=${shq(R)}`];
  const cg = `/sys/fs/cgroup/${id}`;
  lines.push(`mkdir -p ${cg} && echo 0 > ${cg}/cgroup.procs`);
  const mem = spec.linux.resources?.memory?.limit;
  if (mem && mem > 0) lines.push(`echo ${Math.trunc(mem)} > ${cg}/memory.max`);
  const pids = spec.linux.resources?.pids?.limit;
  if (pids && pids > 0) lines.push(`echo ${Math.trunc(pids)} > ${cg}/pids.max`);
  lines.push('mount --make-rprivate / 2>/dev/null || true');
  lines.push('mkdir -p "$R/proc" "$R/dev" "$R/sys" && mount -t proc -o nosuid,noexec,nodev proc "$R/proc"');
  lines.push('mount --rbind /dev "$R/dev" && mount -t sysfs -o ro sysfs "$R/sys"');
  for (const m of mounts) {
    const src = `${dir}/m/${m.index}`;
    const dst = `"$R"${shq(m.destination)}`;
    // A file mount point needs a file, a directory one a directory (made in the writable layer, as runc does).
    lines.push(`if [ -d ${shq(src)} ]; then mkdir -p ${dst}; else mkdir -p "$(dirname ${dst})"; [ -e ${dst} ] || touch ${dst}; fi`);
    lines.push(`mount --bind ${shq(src)} ${dst}${m.readonly ? ` && mount -o remount,bind,ro ${dst}` : ''}`);
  }
  if (spec.hostname) lines.push(`hostname ${shq(spec.hostname)}`);
  const cwd = spec.process.cwd || '/';
  // StartContainer returns once this is written: its mounts are in place for an exec, and a stop
  // signal reaches the process rather than this shell (PID 1 of its namespace without handlers).
  lines.push(`: > ${shq(`${dir}/started`)}`);
  lines.push('set +e');
  lines.push(`exec /bin/env -i ${envArgs(spec)} /bin/nsenter -r"$R" -w"$R"${shq(cwd)}${userArgs(spec)} -- ${spec.process.args.map(shq).join(' ')}`);
  return lines.join('\n') + '\n';
}

/** run.sh of an exec: the container's namespaces, root, working directory and user (`pidFile`: its guest pid). */
export function execScript(spec: OciSpec, pidFile: string, cmd: readonly string[]): string {
  return [
    `P=$(cat ${shq(pidFile)})`,
    `exec /bin/env -i ${envArgs(spec)} /bin/nsenter -t "$P" -m -u -i -p -r -w${userArgs(spec)} -- ${cmd.map(shq).join(' ')}`,
  ].join('\n') + '\n';
}

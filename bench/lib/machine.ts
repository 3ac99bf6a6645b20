// The machine and the versions a result was measured with.
import { cpus, totalmem, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { firstLine } from './daemon-process.js';
import { packageRoot, packageVersion } from '../../src/util/package-info.js';

export function machineInfo(): Record<string, string | number> {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  let os = 'unknown';
  try {
    os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // no os-release
  }
  return {
    cpu: model,
    cores: cpus().length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    os,
    cgroups: cgroupLayout(),
  };
}

function cgroupLayout(): string {
  try {
    const mounts = readFileSync('/proc/self/mounts', 'utf8');
    if (/ \/sys\/fs\/cgroup cgroup2 /.test(mounts)) return 'v2';
    return / \/sys\/fs\/cgroup\/unified cgroup2 /.test(mounts) ? 'v1 (hybrid, v2 at /sys/fs/cgroup/unified)' : 'v1';
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['-C', packageRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', packageRoot, 'status', '--porcelain', '--untracked-files=no', 'src'], { encoding: 'utf8' }).trim();
    return dirty ? `${sha} + uncommitted changes in src/` : sha;
  } catch {
    return 'unknown';
  }
}

export async function versions(rktletRuntimeVersion: string): Promise<Record<string, string>> {
  return {
    node: process.version,
    rktlet: `${packageVersion} (${rktletRuntimeVersion || 'runtime version unknown'}), commit ${gitCommit()}`,
    containerd: await firstLine('/usr/bin/containerd', ['--version']),
    runc: await firstLine('/usr/sbin/runc', ['--version']),
    conmon: await firstLine('/usr/bin/conmon', ['--version']),
    'CNI plugins': `containernetworking-plugins ${await firstLine('dpkg-query', ['-W', '-f=${Version}', 'containernetworking-plugins'])}`,
  };
}

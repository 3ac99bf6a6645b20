// containerd's config.toml (version 2) for a bench run, and the CNI bridge network both runtimes
// get. containerd runs only for the run: its own root, state, sockets, runc root and CNI dirs,
// the same runc and CNI plugins as rktlet, images from the local registry only.
import { stringify } from 'smol-toml';

export interface ContainerdPaths {
  root: string;
  state: string;
  /** The CRI/containerd gRPC socket. */
  socket: string;
  /** Where runc keeps its container state (the shim's options.Root). */
  runcRoot: string;
  cniConfDir: string;
  /** containerd's "opt" plugin directory (kept out of /opt/containerd). */
  optDir: string;
}

export interface ContainerdSettings {
  paths: ContainerdPaths;
  runcPath: string;
  cniBinDir: string;
  /** "127.0.0.1:5000": reached over plain HTTP. */
  registryHost: string;
  sandboxImage: string;
  logLevel: string;
}

const CRI = 'io.containerd.grpc.v1.cri';

export function containerdConfig(s: ContainerdSettings): Record<string, unknown> {
  const p = s.paths;
  const mirror = { endpoint: [`http://${s.registryHost}`] };
  return {
    version: 2,
    root: p.root,
    state: p.state,
    grpc: { address: p.socket },
    ttrpc: { address: `${p.socket}.ttrpc` },
    debug: { address: '', level: s.logLevel },
    metrics: { address: '' },
    // Snapshotters this host cannot use only add start-up noise and time.
    disabled_plugins: ['io.containerd.snapshotter.v1.aufs', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper'],
    plugins: {
      'io.containerd.internal.v1.opt': { path: p.optDir },
      [CRI]: {
        sandbox_image: s.sandboxImage,
        // Root lacks CAP_SYS_RESOURCE here: oom_score_adj below containerd's own would fail.
        restrict_oom_score_adj: true,
        stream_server_address: '127.0.0.1',
        stream_server_port: '0',
        enable_selinux: false,
        containerd: {
          snapshotter: 'overlayfs',
          default_runtime_name: 'runc',
          runtimes: {
            runc: {
              runtime_type: 'io.containerd.runc.v2',
              // cgroup v1 hybrid host and PID 1 is not systemd: cgroupfs, as rktlet.
              options: { BinaryName: s.runcPath, Root: p.runcRoot, SystemdCgroup: false },
            },
          },
        },
        cni: { bin_dir: s.cniBinDir, conf_dir: p.cniConfDir, max_conf_num: 1 },
        registry: {
          // Both the local registry itself and docker.io resolve to it over plain HTTP.
          mirrors: { [s.registryHost]: mirror, 'docker.io': mirror },
        },
      },
    },
  };
}

export function renderContainerdConfig(s: ContainerdSettings): string {
  return stringify(containerdConfig(s));
}

export interface BridgeNetwork {
  /** The bridge device; the network is named after it, as rktlet names its default network. */
  bridge: string;
  subnet: string;
  /** host-local's lease dir (kept in the runtime's private dir, as rktlet keeps its own). */
  dataDir?: string;
}

/**
 * The shape of rktlet's default network (src/network/cni-config.ts defaultNetworkConfig):
 * bridge + host-local + portmap. containerd brings lo up with its own loopback network (the
 * loopback plugin); rktlet brings it up when it creates the namespace.
 */
export function bridgeConflist(n: BridgeNetwork): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: n.bridge,
    plugins: [
      {
        type: 'bridge',
        bridge: n.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: n.subnet }]], routes: [{ dst: '0.0.0.0/0' }], ...(n.dataDir ? { dataDir: n.dataDir } : {}) },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export function renderBridgeConflist(n: BridgeNetwork): string {
  return `${JSON.stringify(bridgeConflist(n), null, 2)}\n`;
}

// PodRecord → the CRI messages (PodSandbox, PodSandboxStatus), pure.
import type { PodSandbox } from '../gen/runtime/v1/PodSandbox.js';
import type { PodSandboxStatus } from '../gen/runtime/v1/PodSandboxStatus.js';
import type { PodRecord } from '../pod/types.js';

export function toPodSandbox(p: PodRecord): PodSandbox {
  return {
    id: p.id,
    metadata: p.metadata,
    state: p.state,
    created_at: p.createdAtNs,
    labels: p.config.labels,
    annotations: p.config.annotations,
    runtime_handler: p.runtimeHandler,
  };
}

/**
 * The addresses the pod holds: none once its network is torn down (StopPodSandbox's CNI DEL gave
 * them back to IPAM, another pod may have one already), as containerd reports none once the
 * netns is closed. Until that DEL has run (a network record, or an ADD a crash left pending) the
 * pod still holds them; a pod whose DEL failed keeps its record, and so its IPs.
 */
function heldIps(p: PodRecord): string[] {
  return p.cni || p.cniPending ? p.ips : [];
}

export function toPodSandboxStatus(p: PodRecord): PodSandboxStatus {
  const [ip, ...more] = heldIps(p);
  const nso = p.config.linux?.security_context?.namespace_options;
  return {
    id: p.id,
    metadata: p.metadata,
    state: p.state,
    created_at: p.createdAtNs,
    network: { ip: ip ?? '', additional_ips: more.map((a) => ({ ip: a })) },
    linux: {
      namespaces: {
        options: {
          network: p.namespaces.network,
          pid: p.namespaces.pid,
          ipc: p.namespaces.ipc,
          target_id: nso?.target_id ?? '',
          // The pod's own user namespace, with the mappings it was made with (the kubelet's).
          ...(p.userns ? { userns_options: { mode: 'POD' as const, uids: p.userns.uids, gids: p.userns.gids } } : {}),
        },
      },
    },
    labels: p.config.labels,
    annotations: p.config.annotations,
    runtime_handler: p.runtimeHandler,
  };
}

/** The `verbose` info: what crictl inspectp shows under "info" (as containerd's shape). */
export function podVerboseInfo(p: PodRecord): Record<string, string> {
  return {
    info: JSON.stringify({
      pid: p.infraPid,
      pinnedNamespaces: p.pinnedNamespaces ?? null,
      runtimeHandler: p.runtimeHandler,
      netnsPath: p.netnsPath,
      cgroupParent: p.cgroupParent,
      infraCgroupsPath: p.infraCgroupsPath,
      hostname: p.hostname,
      resolvConfPath: p.resolvConfPath,
      hostsPath: p.hostsPath,
      shmPath: p.shmPath,
      bundle: p.infraBundle,
      portMappings: p.portMappings,
      cniResult: p.cni?.result ?? null,
      cniNetwork: p.cni?.network.name ?? '',
      config: p.config,
    }),
  };
}

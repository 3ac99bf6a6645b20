// A user-namespaced pod's volumes (the CRI bind mounts: hostPath, emptyDir, projected files) are
// mounted idmapped with the pod's own mappings (runtime-spec 1.1 mounts[].uidMappings/gidMappings
// and the `idmap` option), so a file owned by host root shows as root inside, not as nobody, and
// what the pod's root writes there is owned by host root, as with containerd and CRI-O.
// Checked by hand on crun 1.8.1 (Linux 6.x): `idmap` works on a bind mount, but the idmapped mount
// is not recursive: submounts below the volume's host path are not carried into the container.
// Only handlers that pass the user-namespace probe (crun) ever get here.
import type { OciIdMapping, SpecOpt } from './types.js';

export function withIdmappedVolumes(destinations: readonly string[], uids: OciIdMapping[], gids: OciIdMapping[]): SpecOpt {
  return (s) => {
    const want = new Set(destinations);
    for (const m of s.mounts) {
      if (m.type !== 'bind' || !want.has(m.destination)) continue;
      m.options = [...(m.options ?? []), 'idmap'];
      m.uidMappings = uids;
      m.gidMappings = gids;
    }
  };
}

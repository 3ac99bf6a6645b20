// Chain IDs (OCI image spec): the identity of a layer stack, so equal stacks share one unpack.
import { createHash } from 'node:crypto';

export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : 'sha256:' + createHash('sha256').update(`${prev} ${d}`).digest('hex'));
  }
  return out;
}

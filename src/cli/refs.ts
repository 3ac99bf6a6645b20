// Which pod or container a CLI argument names: a full ID, an ID prefix or a name. When several
// match (a short prefix, a name in two namespaces, attempts of one name, a name that is also
// another's ID prefix) the verb is refused with the candidates listed: it never picks one.
import { InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import type { PodRecord } from '../pod/types.js';
import type { ContainerRecord } from '../container/types.js';

export interface Named {
  id: string;
  name: string;
  /** One line telling the candidate apart: namespace, attempt, state, … */
  detail: string;
}

/**
 * The one item `ref` names (exact ID first); NotFound for none, InvalidArgument listing them for
 * several. `what` is a noun ("pod", "container"), `scope` where they were looked for (" in pod …").
 */
export function pickOne<T>(what: string, ref: string, items: readonly T[], describe: (t: T) => Named, scope = ''): T {
  if (!ref) throw new InvalidArgumentError(`a ${what} ID or name is required`);
  const named = items.map((t) => ({ t, n: describe(t) }));
  const exact = named.find((x) => x.n.id === ref);
  if (exact) return exact.t;
  const hits = named.filter((x) => x.n.id.startsWith(ref) || x.n.name === ref);
  if (hits.length === 1) return hits[0]!.t;
  if (!hits.length) throw new NotFoundError(`${what} "${ref}" not found${scope}`);
  const lines = hits.map((x) => `  ${x.n.id.slice(0, 13)}  ${x.n.name}  ${x.n.detail}`);
  throw new InvalidArgumentError(`"${ref}" matches ${hits.length} ${what}s${scope}; name one by a longer ID prefix or its ID:\n${lines.join('\n')}`);
}

export function describePod(p: PodRecord): Named {
  return { id: p.id, name: p.metadata.name, detail: `namespace ${p.metadata.namespace}, attempt ${p.metadata.attempt}, ${p.state === 'SANDBOX_READY' ? 'ready' : 'not ready'}` };
}

export function describeContainer(r: ContainerRecord): Named {
  return { id: r.meta.id, name: r.meta.name, detail: `attempt ${r.meta.attempt}, ${r.status.state}, pod ${r.meta.podId.slice(0, 13)}` };
}

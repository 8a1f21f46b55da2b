import { withId } from './packed/resource';
import { ResourceSet, type TerminologyResource, type TerminologyType } from './resource-set';

/** A FHIR id: 1–64 of A–Z, a–z, 0–9, '-' and '.'. */
const MAX_ID = 64;

function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Whether another layer holds an id, for another url than `url` when one is given (then the id is left to it). */
export type TakenElsewhere = (type: TerminologyType, id: string, url?: string) => boolean;

/** TakenElsewhere of a layer (what municipalities wrote): it holds the id, for another url than the one given. */
export function heldForOtherUrl(layer: ResourceSet): TakenElsewhere {
  return (type, id, url) => {
    const held = layer.byResourceId(type, id);
    return held !== undefined && (url === undefined || held.url !== url);
  };
}

/** The `type/id` of each resource whose id another layer holds: withUniqueIds serves those under other ids. */
export function yieldedIds(resources: readonly TerminologyResource[], takenElsewhere: TakenElsewhere): Set<string> {
  return new Set(resources.filter((r) => r.id && takenElsewhere(r.resourceType, r.id, r.url)).map((r) => `${r.resourceType}/${r.id}`));
}

/**
 * Whether a change under `type/id` in the other layer moves that id between it and `served`: back to `served` when
 * the other layer no longer holds an id `served` gave up (`yielded`), to the other layer when it now holds, for another
 * url, an id a resource of `served` has (two replicas' commits at the same moment).
 */
export function idMoves(type: TerminologyType, id: string, served: ResourceSet, yielded: ReadonlySet<string>, takenElsewhere: TakenElsewhere): boolean {
  if (yielded.has(`${type}/${id}`)) return !takenElsewhere(type, id);
  const held = served.byResourceId(type, id);
  return held !== undefined && takenElsewhere(type, id, held.url);
}

/** Kept per resource and id, so that a resource served under another id stays the same object from rebuild to rebuild. */
const copies = new WeakMap<TerminologyResource, Map<string, TerminologyResource>>();

function servedAs(resource: TerminologyResource, id: string): TerminologyResource {
  let byId = copies.get(resource);
  if (!byId) copies.set(resource, (byId = new Map()));
  let copy = byId.get(id);
  if (!copy) byId.set(id, (copy = withId(resource, id)));
  return copy;
}

/**
 * The resources, in the same order, with one logical id each. Published catalogs may give one id to several resources
 * (KL's CancellationTypes in the term, prevention and rehab guides; FSIII in every release). The id stays with the
 * resource an unversioned reference to its url resolves to (FSIII's newest active release, also when an older one is
 * loaded later), the last given among several such (the three CancellationTypes); each other one is served as
 * `{id}-{version}` (then `-2`, `-3` … while that is taken), so that every resource can be read by its id and a search's
 * fullUrls differ. Resources with the same id and canonical are one resource (the later replaces the earlier) and are
 * left as they are. An id another layer holds for another url (`takenElsewhere`: a municipality wrote it before a
 * package brought it) is left to that layer, and every resource here that has it is served under another.
 */
export function withUniqueIds(
  resources: readonly TerminologyResource[],
  takenElsewhere: TakenElsewhere = () => false,
): TerminologyResource[] {
  const key = (type: string, id: string) => `${type}/${id}`;
  const sharing = new Map<string, TerminologyResource[]>();
  for (const r of resources) {
    if (!r.id) continue;
    const list = sharing.get(key(r.resourceType, r.id));
    if (list) list.push(r);
    else sharing.set(key(r.resourceType, r.id), [r]);
  }
  const canonical = (r: TerminologyResource) => `${r.url ?? ''}|${r.version ?? ''}`;
  const elsewhere = (list: TerminologyResource[]) => takenElsewhere(list[0]!.resourceType, list[0]!.id!, list[0]!.url);
  const shared = [...sharing.values()].filter((list) => list.some((r) => canonical(r) !== canonical(list[0]!)) || elsewhere(list));
  if (shared.length === 0) return [...resources];
  const served = new ResourceSet(resources);
  const current = (r: TerminologyResource) => r.url !== undefined && served.find(r.resourceType, r.url) === r;
  /** Per shared id, the resource that keeps it; none when another layer has it (every resource here is renamed). */
  const holder = new Map<string, TerminologyResource | undefined>();
  for (const list of shared) holder.set(key(list[0]!.resourceType, list[0]!.id!), elsewhere(list) ? undefined : list.filter(current).pop() ?? list[list.length - 1]!);
  const taken = new Set(sharing.keys());
  const isTaken = (type: TerminologyType, id: string) => taken.has(key(type, id)) || takenElsewhere(type, id);
  /** Per id tried, the next number to try after it (many resources may want the same one). */
  const nextNumber = new Map<string, number>();
  /** The id given to each renamed id and canonical: a resource given twice is one resource, under one id. */
  const given = new Map<string, string>();
  return resources.map((r) => {
    if (!r.id || !holder.has(key(r.resourceType, r.id))) return r;
    const kept = holder.get(key(r.resourceType, r.id));
    if (kept !== undefined && (kept === r || canonical(kept) === canonical(r))) return r;
    const again = given.get(`${key(r.resourceType, r.id)} ${canonical(r)}`);
    if (again !== undefined) return servedAs(r, again);
    const base = `${r.id}-${idPart(r.version ?? '')}`.replace(/-$/, '').slice(0, MAX_ID);
    let id = base;
    let n = nextNumber.get(key(r.resourceType, base)) ?? 2;
    while (isTaken(r.resourceType, id)) id = `${base.slice(0, MAX_ID - String(n).length - 1)}-${n++}`;
    nextNumber.set(key(r.resourceType, base), n);
    taken.add(key(r.resourceType, id));
    given.set(`${key(r.resourceType, r.id)} ${canonical(r)}`, id);
    return servedAs(r, id);
  });
}

import { withId } from './packed/resource';
import type { TerminologyResource } from './resource-set';

/** A FHIR id: 1–64 of A–Z, a–z, 0–9, '-' and '.'. */
const MAX_ID = 64;

function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
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
 * (KL's CancellationTypes in the term, prevention and rehab guides; FSIII in every release): the last one given keeps
 * the id, as an unversioned reference reads the newest; each other one is served as `{id}-{version}` (then `-2`, `-3`
 * … while that is taken), so that every resource can be read by its id and a search's fullUrls differ. Resources
 * with the same id and canonical are one resource (the later replaces the earlier) and are left as they are.
 */
export function withUniqueIds(resources: readonly TerminologyResource[]): TerminologyResource[] {
  const key = (type: string, id: string) => `${type}/${id}`;
  const canonical = (r: TerminologyResource) => `${r.url ?? ''}|${r.version ?? ''}`;
  const holder = new Map<string, TerminologyResource>();
  for (const r of resources) if (r.id) holder.set(key(r.resourceType, r.id), r);
  const taken = new Set(holder.keys());
  return resources.map((r) => {
    if (!r.id) return r;
    const kept = holder.get(key(r.resourceType, r.id))!;
    if (kept === r || canonical(kept) === canonical(r)) return r;
    const base = `${r.id}-${idPart(r.version ?? '')}`.replace(/-$/, '').slice(0, MAX_ID);
    let id = base;
    for (let n = 2; taken.has(key(r.resourceType, id)); n++) id = `${base.slice(0, MAX_ID - String(n).length - 1)}-${n}`;
    taken.add(key(r.resourceType, id));
    return servedAs(r, id);
  });
}

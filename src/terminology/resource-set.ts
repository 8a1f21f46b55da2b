import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { compareVersions } from './canonical';
import { versionMatches } from './versions';

export type TerminologyResource = CodeSystem | ValueSet | ConceptMap;
export type TerminologyType = TerminologyResource['resourceType'];

export type ByType = { CodeSystem: CodeSystem; ValueSet: ValueSet; ConceptMap: ConceptMap };

/**
 * What an unversioned reference means among versions sorted oldest first: the latest version whose status is active;
 * the latest of all when none is active (a draft next release does not replace the release in use until it is active).
 */
export function latestActive<T extends TerminologyResource>(list: readonly T[]): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.status === 'active') return list[i];
  return list[list.length - 1];
}

const NONE: readonly TerminologyResource[] = Object.freeze([]);

/** One layer of terminology resources, indexed by canonical url and id. */
export class ResourceSet {
  /** A layer that answers only `url|version` (src/store/past-version.ts): not a candidate for the newest version. */
  readonly versionedOnly: boolean = false;
  /** A layer whose resources are computed when first used (src/municipal/municipal-layer.ts): listing it computes them all. */
  readonly computedOnUse: boolean = false;
  /** The resources a request brings (tx-resource): for that request they are what their urls mean, whatever their status. */
  readonly fromRequest: boolean = false;

  /** Per type, url → versions (one map per type: a lookup hashes the url itself, no key string is built per call). */
  private byUrl = new Map<string, Map<string, TerminologyResource[]>>();
  private byId = new Map<string, TerminologyResource>();

  constructor(resources: Iterable<TerminologyResource> = []) {
    for (const r of resources) this.add(r);
  }

  /** A copy with the same resources (the resources themselves are shared), to build a changed state on. */
  clone(): ResourceSet {
    const copy = new ResourceSet();
    for (const [type, byUrl] of this.byUrl) copy.byUrl.set(type, new Map([...byUrl].map(([k, list]) => [k, [...list]])));
    for (const [k, r] of this.byId) copy.byId.set(k, r);
    return copy;
  }

  /** Takes over the contents of `next` in one step (`next` must not be used afterwards). */
  replaceContents(next: ResourceSet): void {
    this.byUrl = next.byUrl;
    this.byId = next.byId;
  }

  add(resource: TerminologyResource): void {
    if (resource.id) {
      const previous = this.byId.get(`${resource.resourceType}/${resource.id}`);
      // The same id and canonical (url and version) replaces; resources that only share an id (KL's term, prevention and
      // rehab CancellationTypes, or two versions of one code system given together) all stay findable by their own
      // canonical, and the id reads the last one added.
      if (previous && previous.url === resource.url && previous.version === resource.version) this.remove(previous);
      this.byId.set(`${resource.resourceType}/${resource.id}`, resource);
    }
    if (!resource.url) return;
    let byUrl = this.byUrl.get(resource.resourceType);
    if (!byUrl) {
      byUrl = new Map();
      this.byUrl.set(resource.resourceType, byUrl);
    }
    const list = (byUrl.get(resource.url) ?? []).filter((r) => r.version !== resource.version);
    list.push(resource);
    list.sort((a, b) => compareVersions(a.version, b.version));
    byUrl.set(resource.url, list);
  }

  remove(resource: TerminologyResource): void {
    if (resource.id && this.byId.get(`${resource.resourceType}/${resource.id}`) === resource) {
      this.byId.delete(`${resource.resourceType}/${resource.id}`);
    }
    if (!resource.url) return;
    const byUrl = this.byUrl.get(resource.resourceType);
    if (!byUrl) return;
    const list = (byUrl.get(resource.url) ?? []).filter((r) => r !== resource);
    if (list.length > 0) byUrl.set(resource.url, list);
    else byUrl.delete(resource.url);
  }

  byResourceId<T extends TerminologyType>(type: T, id: string): ByType[T] | undefined {
    return this.byId.get(`${type}/${id}`) as ByType[T] | undefined;
  }

  /** Every version of a canonical, oldest first. */
  versions<T extends TerminologyType>(type: T, url: string): ByType[T][] {
    return (this.byUrl.get(type)?.get(url) ?? NONE) as ByType[T][];
  }

  find<T extends TerminologyType>(type: T, url: string, version?: string): ByType[T] | undefined {
    const list = this.versions(type, url);
    if (list.length === 0) return undefined;
    if (version === undefined) return latestActive(list);
    const exact = list.find((r) => r.version === version);
    if (exact) return exact;
    const matching = list.filter((r) => versionMatches(version, r.version));
    return matching[matching.length - 1];
  }

  list<T extends TerminologyType>(type: T): ByType[T][] {
    const out: ByType[T][] = [];
    for (const r of this.byId.values()) if (r.resourceType === type) out.push(r as ByType[T]);
    for (const list of this.byUrl.get(type)?.values() ?? []) {
      for (const r of list) {
        if (!r.id || this.byId.get(`${type}/${r.id}`) !== r) out.push(r as ByType[T]);
      }
    }
    return out;
  }
}

/** The resources one request brings (tx-resource), layered over the catalogs for that request. */
export class RequestResourceSet extends ResourceSet {
  override readonly fromRequest = true;
}

/**
 * A layer as a write will leave it: the resources it deletes or replaces (`gone`) no longer answer their id, an
 * unversioned url or a listing, as after the commit; `url|version` still finds them, as it finds the versions a write
 * replaced (src/store/past-version.ts). The write's checks resolve over these, so that a transaction is judged by the
 * state it makes: a map whose source code system the same transaction deletes is refused.
 */
export class LayerAfterRemoval extends ResourceSet {
  override readonly versionedOnly: boolean;
  override readonly computedOnUse: boolean;
  override readonly fromRequest: boolean;

  constructor(private readonly base: ResourceSet, private readonly gone: (r: TerminologyResource) => boolean) {
    super();
    this.versionedOnly = base.versionedOnly;
    this.computedOnUse = base.computedOnUse;
    this.fromRequest = base.fromRequest;
  }

  override byResourceId<T extends TerminologyType>(type: T, id: string): ByType[T] | undefined {
    const hit = this.base.byResourceId(type, id);
    return hit && !this.gone(hit) ? hit : undefined;
  }

  override versions<T extends TerminologyType>(type: T, url: string): ByType[T][] {
    const list = this.base.versions(type, url);
    return list.some(this.gone) ? list.filter((r) => !this.gone(r)) : list;
  }

  override find<T extends TerminologyType>(type: T, url: string, version?: string): ByType[T] | undefined {
    const hit = this.base.find(type, url, version);
    if (!hit || version !== undefined || !this.gone(hit)) return hit;
    return this.base.versionedOnly ? undefined : latestActive(this.versions(type, url));
  }

  override list<T extends TerminologyType>(type: T): ByType[T][] {
    return this.base.list(type).filter((r) => !this.gone(r));
  }
}

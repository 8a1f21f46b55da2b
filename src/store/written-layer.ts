import { packResource } from '../terminology/packed/resource';
import type { TerminologyRegistry } from '../terminology/registry';
import { ResourceSet, type TerminologyResource } from '../terminology/resource-set';
import type { VersionHistory } from './past-version';
import type { ChangeSink, ResourceChange } from './store';

/**
 * The registry's layer of written resources, kept equal to the store (packed as the published catalogs are). A change set is applied atomically: the new
 * state is built on a copy, swapped in in one step, and only then the registry's generation moves on (so the
 * caches keyed on it are dropped). A request therefore sees a change set entirely or not at all.
 *
 * Every resource's latest known version is remembered (deletes too), so a change delivered twice, or late (a
 * replica's catch-up query that started before this process's own newer write), never rolls the layer back.
 */
export class WrittenLayer implements ChangeSink {
  private readonly versions = new Map<string, number>();

  constructor(readonly set: ResourceSet, private readonly registry: TerminologyRegistry, private readonly history?: VersionHistory) {}

  /** Replaces the whole layer (a store without a change feed, at start). */
  load(resources: TerminologyResource[]): void {
    const next = new ResourceSet(resources.map(packResource));
    this.versions.clear();
    for (const r of resources) {
      const v = Number(r.meta?.versionId);
      if (r.id && Number.isInteger(v) && v > 0) this.versions.set(`${r.resourceType}/${r.id}`, v);
    }
    this.set.replaceContents(next);
    this.registry.touch();
  }

  /** The latest version applied for a resource (0 when none). */
  versionOf(resourceType: string, id: string): number {
    return this.versions.get(`${resourceType}/${id}`) ?? 0;
  }

  apply(changes: ResourceChange[]): void {
    // every version delivered stays addressable by url|version, also one a later change in the same delivery replaced
    const packed = new Map<ResourceChange, TerminologyResource>();
    for (const c of changes) {
      if (!c.resource) {
        // a delete ends the versions of its resource at its time, also one a later change in the delivery undid
        if (c.lastUpdated) this.history?.deleted(c.resourceType, c.id, c.lastUpdated);
        continue;
      }
      const p = packResource(c.resource);
      packed.set(c, p);
      this.history?.record(p, c.resource.meta?.lastUpdated, true);
    }
    // The newest change per resource that is newer than what the layer has.
    const fresh = new Map<string, ResourceChange>();
    for (const c of changes) {
      const key = `${c.resourceType}/${c.id}`;
      const seen = Math.max(this.versions.get(key) ?? 0, fresh.get(key)?.versionId ?? 0);
      if (c.versionId > seen) fresh.set(key, c);
    }
    if (fresh.size === 0) return;
    const next = this.set.clone();
    const touched: TerminologyResource[] = [];
    for (const c of fresh.values()) {
      const previous = next.byResourceId(c.resourceType, c.id);
      if (previous) {
        next.remove(previous);
        this.history?.superseded(previous);
      }
      const p = packed.get(c);
      if (p) next.add(p);
      touched.push(...(previous ? [previous] : []), ...(p ? [p] : []));
    }
    this.set.replaceContents(next);
    for (const [key, c] of fresh) this.versions.set(key, c.versionId);
    this.registry.touch(touched);
  }
}

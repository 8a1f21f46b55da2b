import { packResource } from '../terminology/packed-resource';
import { ResourceSet, type TerminologyResource, type TerminologyType } from '../terminology/resource-set';

type ByType = { CodeSystem: import('fhir/r4').CodeSystem; ValueSet: import('fhir/r4').ValueSet; ConceptMap: import('fhir/r4').ConceptMap };

/**
 * The versions of written resources that a later write replaced, as a registry layer that only answers `url|version`:
 * an unversioned reference, a search or a read by id never lands here (the written layer has the current version, and
 * a deleted resource is gone for them), but `url|1.0.0` still finds 1.0.0 after 2.0.0 replaced it.
 */
class PastVersionSet extends ResourceSet {
  override readonly versionedOnly = true;
  override find<T extends TerminologyType>(type: T, url: string, version?: string): ByType[T] | undefined {
    return version === undefined ? undefined : super.find(type, url, version);
  }
  override list<T extends TerminologyType>(): ByType[T][] {
    return [];
  }
  override byResourceId<T extends TerminologyType>(): ByType[T] | undefined {
    return undefined;
  }
}

/** A written version as the history keeps it: the resource (with meta.lastUpdated) of one write. */
export interface WrittenVersion {
  resource: TerminologyResource;
  /** When it was written (meta.lastUpdated of that write). */
  lastUpdated: string;
}

/**
 * Every `url|version` a municipality has written, the last write of each kept (a version written twice is the second
 * write), and when each `url|version` was first written: the start of its use where the resource states no date
 * (see inForceOn). Filled from the store's history at start and from every write after.
 */
export class VersionHistory {
  /** The registry layer (src/terminology/registry.ts) that resolves past `url|version`s. */
  readonly set: ResourceSet = new PastVersionSet();
  private readonly firstWritten = new Map<string, string>();
  private readonly lastWritten = new Map<string, string>();

  private key(r: TerminologyResource): string {
    return `${r.resourceType} ${r.url ?? ''}|${r.version ?? ''}`;
  }

  /** Adds a written version; an older write of the same url|version than the one kept changes nothing but the first-written time. */
  record(resource: TerminologyResource, lastUpdated = resource.meta?.lastUpdated ?? new Date().toISOString()): void {
    if (!resource.url) return;
    const key = this.key(resource);
    const first = this.firstWritten.get(key);
    if (!first || lastUpdated < first) this.firstWritten.set(key, lastUpdated);
    const last = this.lastWritten.get(key);
    if (last && last > lastUpdated) return;
    this.lastWritten.set(key, lastUpdated);
    this.set.add(packResource(resource));
  }

  /** The store's history, any order. */
  load(versions: Iterable<WrittenVersion>): void {
    for (const v of versions) this.record(v.resource, v.lastUpdated);
  }

  /** When this url|version was first written; undefined for what was never written here (published catalogs). */
  firstWrittenOf(resource: TerminologyResource): string | undefined {
    return this.firstWritten.get(this.key(resource));
  }
}

import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { packResource } from '../terminology/packed/resource';
import type { WrittenTimes } from '../terminology/in-force';
import { ResourceSet, type TerminologyResource, type TerminologyType } from '../terminology/resource-set';

type ByType = { CodeSystem: CodeSystem; ValueSet: ValueSet; ConceptMap: ConceptMap };

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
  /** Every version held, of every type (what `list` leaves out for the registry). */
  everyVersion(): TerminologyResource[] {
    return (['CodeSystem', 'ValueSet', 'ConceptMap'] as const).flatMap((t) => this.versionsOfType(t));
  }
  /** Every version held of one type. */
  versionsOfType(type: TerminologyType): TerminologyResource[] {
    return super.list(type);
  }
  override byResourceId<T extends TerminologyType>(): ByType[T] | undefined {
    return undefined;
  }
}

/** What the registry indexes a version by, and what the in-force rule reads, without the whole resource. */
export interface VersionHead {
  resourceType: TerminologyType;
  id: string;
  url?: string;
  version?: string;
  status?: string;
  date?: string;
  content?: string;
}

/** A written version as the store's history has it: its head, when it was written, and the resource on demand. */
export interface WrittenVersion {
  head: VersionHead;
  /** When it was written (meta.lastUpdated of that write). */
  lastUpdated: string;
  /** The whole resource (the store's text parsed), read when a request first needs more than the head. */
  load(): TerminologyResource;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const HEAD_FIELDS: readonly (keyof VersionHead)[] = ['resourceType', 'id', 'url', 'version', 'status', 'date', 'content'];

/** The fields of a version's head that the SQL stores keep beside its text, in the order of their head column. */
const HEAD_COLUMN = ['url', 'version', 'status', 'date', 'content'] as const;

/** [url, version, status, date, content] of a resource as a store keeps them beside its text (what is not text: null). */
export function headColumn(r: TerminologyResource): (string | null)[] {
  const fields = r as unknown as Record<string, unknown>;
  return HEAD_COLUMN.map((k) => text(fields[k]) ?? null);
}

/** A version's head from its head column, as a store wrote it or its database read it from the text (what is not text: left out). */
export function headFromColumn(resourceType: TerminologyType, id: string, column: readonly unknown[]): VersionHead {
  const head: VersionHead = { resourceType, id };
  HEAD_COLUMN.forEach((k, i) => {
    head[k] = text(column[i]);
  });
  return head;
}

/** The head of a resource at hand. */
export function headOf(r: TerminologyResource): VersionHead {
  const head: Record<string, unknown> = {};
  for (const k of HEAD_FIELDS) head[k] = (r as unknown as Record<string, unknown>)[k];
  return head as unknown as VersionHead;
}

/**
 * A resource that is its head until another field is read, then the loaded resource: the history of 98
 * municipalities' catalogs in three versions is not parsed at start, only the versions a request asks for.
 */
function lazyVersion(v: Pick<WrittenVersion, 'head' | 'load'>): TerminologyResource {
  let full: object | undefined;
  const real = (): object => (full ??= v.load());
  const head = v.head as unknown as Record<string, unknown>;
  return new Proxy({}, {
    get: (_t, key) => (typeof key === 'string' && HEAD_FIELDS.includes(key as keyof VersionHead) ? head[key] : Reflect.get(real(), key)),
    has: (_t, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      return d && { ...d, configurable: true };
    },
  }) as TerminologyResource;
}

/**
 * Every `url|version` a municipality has written, the last write of each kept (a version written twice is the second
 * write), and when each `url|version` was first written: the start of its use where the resource states no date
 * (see inForceOn). Filled from the store's history at start and from every write after.
 */
export class VersionHistory implements WrittenTimes {
  /** The registry layer (src/terminology/registry.ts) that resolves past `url|version`s. */
  readonly set = new PastVersionSet();
  private readonly firstWrites = new Map<string, string>();
  private readonly lastWritten = new Map<string, string>();
  /** When each resource was deleted (`type/id`), in order: a resource may be written again after a delete. */
  private readonly deletions = new Map<string, string[]>();
  /**
   * deletedUrls by type, until a write or a delete changes them: a roll-up asks once per municipality and date, and
   * finding them goes through every version held.
   */
  private readonly deletedUrlsFound = new Map<TerminologyType, readonly string[]>();

  /** `loader`: reads a version from the store again (TerminologyStore.versionLoader); without it, versions stay held. */
  constructor(private readonly loader?: (type: TerminologyType, id: string, versionId: string) => () => TerminologyResource) {}

  private key(r: { resourceType: string; url?: string; version?: string }): string {
    return `${r.resourceType} ${r.url ?? ''}|${r.version ?? ''}`;
  }

  /** Whether this write is the newest of its url|version (an older one changes nothing but the first-written time). */
  private newest(head: VersionHead, lastUpdated: string): boolean {
    if (!head.url) return false;
    const key = this.key(head);
    const first = this.firstWrites.get(key);
    if (!first || lastUpdated < first) this.firstWrites.set(key, lastUpdated);
    const last = this.lastWritten.get(key);
    if (last && last > lastUpdated) return false;
    this.lastWritten.set(key, lastUpdated);
    this.deletedUrlsFound.clear();
    return true;
  }

  /** Adds a version just written (`packed`: already packed by the caller, src/terminology/packed/resource.ts). */
  record(resource: TerminologyResource, lastUpdated = resource.meta?.lastUpdated ?? new Date().toISOString(), packed = false): void {
    if (this.newest(headOf(resource), lastUpdated)) this.set.add(packed ? resource : packResource(resource));
  }

  /**
   * A version that stopped being current (a later write replaced or deleted it): it stays addressable by url|version,
   * but from now on as its head, read from the store again when a request needs more, as the versions found at start
   * are. So a server that runs for long does not hold every version written while it ran.
   */
  superseded(resource: TerminologyResource): void {
    const versionId = resource.meta?.versionId;
    if (!this.loader || !resource.url || !resource.id || !versionId) return;
    if (!this.set.versions(resource.resourceType, resource.url).includes(resource)) return; // a later write of its url|version took its place
    this.set.add(lazyVersion({ head: headOf(resource), load: this.loader(resource.resourceType, resource.id, versionId) }));
  }

  /** The store's history, any order; each version is read from the store's text when first used. */
  load(versions: Iterable<WrittenVersion>): void {
    for (const v of versions) if (this.newest(v.head, v.lastUpdated)) this.set.add(lazyVersion(v));
  }

  /** Every url|version written here, in its last write (the current versions too; a version is read when first used). */
  versions(): TerminologyResource[] {
    return this.set.everyVersion();
  }

  /** A resource deleted at `at` (a write, the store's history at start, a replica's change feed): its versions end there. */
  deleted(type: TerminologyType, id: string, at: string): void {
    const key = `${type}/${id}`;
    const times = this.deletions.get(key) ?? [];
    if (times.includes(at)) return;
    times.push(at);
    times.sort();
    this.deletions.set(key, times);
    this.deletedUrlsFound.clear();
  }

  /** Whether a resource written under this id was deleted (it may have been written again since). */
  wasDeleted(type: TerminologyType, id: string): boolean {
    return this.deletions.has(`${type}/${id}`);
  }

  /** The store's deletes, any order. */
  loadDeletions(deletions: Iterable<{ resourceType: TerminologyType; id: string; deletedAt: string }>): void {
    for (const d of deletions) this.deleted(d.resourceType, d.id, d.deletedAt);
  }

  /**
   * When this url|version stopped being in use because its resource was deleted: the first delete of the resource
   * that held it after its last write. Undefined while it is in use, or replaced by a later write (not deleted).
   */
  deletedAt(resource: TerminologyResource): string | undefined {
    if (!resource.id) return undefined;
    const times = this.deletions.get(`${resource.resourceType}/${resource.id}`);
    const written = this.lastWritten.get(this.key(resource));
    if (!times || !written) return undefined;
    return times.find((t) => t > written);
  }

  /**
   * The resource whose version `url|version` answers, while it holds it: a current version or one a later write of its
   * resource replaced; undefined when none was written, or a delete of the resource that wrote it last ended it.
   */
  heldBy(type: TerminologyType, url: string, version: string | undefined): TerminologyResource | undefined {
    const held = this.set.versions(type, url).find((r) => r.version === version);
    return held && this.deletedAt(held) === undefined ? held : undefined;
  }

  /** The urls of the versions of a type whose resource was deleted (a url in use again may be among them). */
  deletedUrls(type: TerminologyType): readonly string[] {
    let found = this.deletedUrlsFound.get(type);
    if (!found) {
      const urls = new Set<string>();
      for (const r of this.set.versionsOfType(type)) if (r.url && this.deletedAt(r) !== undefined) urls.add(r.url);
      this.deletedUrlsFound.set(type, found = [...urls]);
    }
    return found;
  }

  /** When this url|version was first written; undefined for what was never written here (published catalogs). */
  firstWritten(resource: TerminologyResource): string | undefined {
    return this.firstWrites.get(this.key(resource));
  }
}

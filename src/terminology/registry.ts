import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { BoundedMap } from './bounded-map';
import { compareVersions, parseCanonical } from './canonical';
import type { CodeSystemProvider } from './providers/provider';
import { FhirCodeSystemProvider } from './providers/fhir-codesystem';
import { packedConcepts } from './packed/codesystem';
import { PackedCodeSystemProvider } from './providers/packed-codesystem';
import { ONE_SCOPE, ReadTracker, type ChangeScopes, type Reads, type Tracked } from './read-tracking';
import { RESOURCE_KINDS, SUPPLEMENTS_KIND } from './resource-kinds';
import { LayerAfterRemoval, latestActive, RequestResourceSet, ResourceSet, type TerminologyResource, type TerminologyType } from './resource-set';
import { canonicalNames, versionMatches } from './versions';

type ByType = { CodeSystem: CodeSystem; ValueSet: ValueSet; ConceptMap: ConceptMap };

/** Makes the provider of a code system implemented in code (library-systems/), or undefined for any other. */
export type ProviderFactory = (cs: CodeSystem, supplements: readonly CodeSystem[]) => CodeSystemProvider | undefined;

const SUPPLEMENT_TYPE = 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type';

/** A language pack only adds displays, so it applies to its code system without being asked for (as tx.fhir.org does). */
function isLanguagePack(s: CodeSystem): boolean {
  return s.extension?.some((e) => e.url === SUPPLEMENT_TYPE && e.valueCode === 'lang-pack') === true;
}

const MAX_SUPPLEMENT_LISTS = 32;

/**
 * The scope of what reading a resource by type and id finds: a change to any resource with that id (its old or new
 * version, in any layer) counts in it, whatever its URL (an admin may write any id under any URL).
 */
function idScope(type: string, id: string): string {
  return `#id ${type}/${id}`;
}

/** Caches shared by a registry and the request overlays built on it. */
class ProviderCache {
  /** Per code system, per list of supplements (at most MAX_SUPPLEMENT_LISTS, then emptied: lists written again are new lists). */
  private readonly providers = new WeakMap<CodeSystem, BoundedMap<string, CodeSystemProvider>>();
  /** Keys of supplement lists (the registry hands out the same list for a code system until its catalogs change). */
  private readonly keys = new WeakMap<readonly CodeSystem[], string>();

  /** A number per supplement object, for keys of supplement lists. */
  private readonly serials = new WeakMap<CodeSystem, number>();
  private nextSerial = 0;

  constructor(private readonly special?: ProviderFactory) {}

  private serial(supplement: CodeSystem): number {
    let n = this.serials.get(supplement);
    if (n === undefined) this.serials.set(supplement, n = ++this.nextSerial);
    return n;
  }

  get(cs: CodeSystem, supplements: readonly CodeSystem[]): CodeSystemProvider {
    let perCs = this.providers.get(cs);
    if (!perCs) {
      perCs = new BoundedMap(MAX_SUPPLEMENT_LISTS);
      this.providers.set(cs, perCs);
    }
    let key = this.keys.get(supplements);
    if (key === undefined) {
      // by the supplements themselves, not their url|version: one written again under the same version is a new object
      key = supplements.map((s) => this.serial(s)).join(' ');
      this.keys.set(supplements, key);
    }
    let provider = perCs.get(key);
    if (!provider) {
      provider = this.special?.(cs, supplements);
      if (!provider) {
        const packed = supplements.length === 0 ? packedConcepts(cs) : undefined;
        provider = packed ? new PackedCodeSystemProvider(cs, packed) : new FhirCodeSystemProvider(cs, supplements);
      }
      perCs.set(key, provider);
    }
    return provider;
  }
}

/**
 * Resolves `url|version` canonicals over layers of resources (request overlay → written → published).
 * The one place where a canonical becomes a resource or a code system provider.
 */
export class TerminologyRegistry {
  private readonly providerCache: ProviderCache;
  private generationCounter = 0;
  private readonly tracker = new ReadTracker();

  constructor(
    private readonly layers: ResourceSet[],
    /** Supplements that are always applied to their code system (the server's published supplements). */
    private readonly defaultSupplementUrls: ReadonlySet<string> = new Set(),
    providerCache?: ProviderCache,
    /**
     * Layers below all others that only resolve canonicals (e.g. the FHIR core terminology): they are not listed
     * (search, capabilities) and not readable by id.
     */
    private readonly referenceLayers: ResourceSet[] = [],
    /** Providers of the code systems backed by libraries (UCUM, BCP 47, ISO 3166), whose resources are among the reference layers. */
    specialProviders?: ProviderFactory,
    /** How canonicals fall into scopes that change independently (see `tracked`). */
    private readonly scopes: ChangeScopes = ONE_SCOPE,
    /** The registry a request's resources are layered over (`withOverlay`); undefined for the catalogs' own. */
    readonly overlaid?: TerminologyRegistry,
  ) {
    this.providerCache = providerCache ?? new ProviderCache(specialProviders);
    this.resolving = referenceLayers.length === 0 ? layers : [...layers, ...referenceLayers];
  }

  /** The layers canonicals resolve over, highest precedence first (the layers are fixed when the registry is built). */
  private readonly resolving: readonly ResourceSet[];

  /** Changes whenever a layer changes; caches of derived results key on it. */
  get generation(): number {
    return this.generationCounter;
  }

  /** The supplements of every layer, listed once per generation: supplementsFor runs on every provider lookup. */
  private supplementIndex?: { generation: number; supplements: CodeSystem[]; defaults: WeakMap<CodeSystem, CodeSystem[]> };

  private supplementList(): { supplements: CodeSystem[]; defaults: WeakMap<CodeSystem, CodeSystem[]> } {
    if (this.supplementIndex?.generation !== this.generationCounter) {
      const supplements = this.tracker.untracked(() => this.list('CodeSystem')).filter((s) => s.content === 'supplement' && s.supplements);
      this.supplementIndex = { generation: this.generationCounter, supplements, defaults: new WeakMap() };
    }
    return this.supplementIndex;
  }

  /**
   * The catalogs changed: `changed` lists the resources a change added, replaced or removed (their old and new
   * versions); without it, everything may have changed.
   */
  touch(changed?: readonly TerminologyResource[]): void {
    this.generationCounter++;
    if (changed === undefined) {
      this.tracker.changed(this.generationCounter, undefined);
    } else {
      const scopes = new Set<string>();
      for (const r of changed) {
        for (const s of this.scopes.ofResource(r)) scopes.add(s);
        if (r.id) scopes.add(idScope(r.resourceType, r.id));
        for (const kind of RESOURCE_KINDS) if (kind.is(r)) scopes.add(kind.scope);
      }
      this.tracker.changed(this.generationCounter, scopes);
    }
    for (const listener of this.touchListeners) listener(changed);
  }

  private readonly touchListeners: ((changed?: readonly TerminologyResource[]) => void)[] = [];

  /** Calls `listener` after every change of the catalogs, with what `touch` was given (a layer that depends on another). */
  onTouch(listener: (changed?: readonly TerminologyResource[]) => void): void {
    this.touchListeners.push(listener);
  }

  /**
   * `compute()`'s result and what it read of the catalogs: the scopes of the canonicals it resolved and of the ids it
   * read resources by (every scope when it listed all resources). Keep the reads with a cached result and ask
   * `current` before using it again: the result then stays usable across writes to scopes it did not read (another
   * municipality's catalog).
   */
  tracked<T>(compute: () => T): Tracked<T> {
    return this.tracker.track(this.generationCounter, compute);
  }

  /** `previous` while it is current, else `compute()` tracked anew: the one way to keep something computed from the catalogs. */
  kept<T>(previous: Tracked<T> | undefined, compute: () => T): Tracked<T> {
    return previous !== undefined && this.current(previous.reads) ? previous : this.tracked(compute);
  }

  /** Whether a result `tracked` gave is still what computing it again would give: no scope it read has changed since. */
  current(reads: Reads): boolean {
    return this.tracker.current(reads, this.generationCounter);
  }

  /** Reports a read of this scope to the computation being tracked (for a layer that reads outside the registry's methods). */
  reads(scope: string): void {
    if (this.tracker.recording) this.tracker.read(scope);
  }

  /** The scope a canonical URL falls in. */
  scopeOf(url: string): string {
    return this.scopes.ofUrl(url);
  }

  private readUrl(url: string): void {
    if (this.tracker.recording) this.tracker.read(this.scopes.ofUrl(url));
  }

  /** A registry for one request, with the given resources (or a layer made of them once, for several requests) layered over this one. */
  withOverlay(resources: TerminologyResource[] | RequestResourceSet): TerminologyRegistry {
    if (Array.isArray(resources) && resources.length === 0) return this;
    const layer = Array.isArray(resources) ? new RequestResourceSet(resources) : resources;
    return new TerminologyRegistry([layer, ...this.layers], this.defaultSupplementUrls, this.providerCache, this.referenceLayers, undefined, this.scopes, this);
  }

  /**
   * The registry as a write will leave it, for checking that write: `added` over the catalogs, as `withOverlay`, and
   * `removed` (what it deletes, and the versions it replaces) gone from every layer but for `url|version`
   * (LayerAfterRemoval). A removed resource is known by its type, id, url and version.
   */
  afterWrite(added: TerminologyResource[], removed: readonly TerminologyResource[]): TerminologyRegistry {
    if (removed.length === 0) return this.withOverlay(added);
    const key = (r: TerminologyResource) => `${r.resourceType}/${r.id ?? ''}|${r.url ?? ''}|${r.version ?? ''}`;
    const keys = new Set(removed.map(key));
    const gone = (r: TerminologyResource) => r.id !== undefined && keys.has(key(r));
    const layers = this.layers.map((layer) => new LayerAfterRemoval(layer, gone));
    const below = new TerminologyRegistry(layers, this.defaultSupplementUrls, this.providerCache, this.referenceLayers, undefined, this.scopes);
    return below.withOverlay(added);
  }

  /** The layers of the resources a request brings (`withOverlay`), highest precedence first. */
  requestLayers(): readonly ResourceSet[] {
    return this.layers.filter((layer) => layer.fromRequest);
  }

  find<T extends TerminologyType>(type: T, url: string, version?: string): ByType[T] | undefined {
    this.readUrl(url);
    for (const layer of this.resolving) {
      const hit = layer.find(type, url, version);
      if (hit) return version === undefined && hit.status !== 'active' && !layer.fromRequest ? this.latest(type, url) ?? hit : hit;
    }
    return undefined;
  }

  /**
   * What an unversioned reference means across the layers (of the versions `accept` takes): the request's own
   * resources of that url when it brings some (tx-resource), whatever their status; else the latest active version
   * of the catalogs, or of the layers below them (the FHIR core terminology) when no catalog has the url;
   * when the latest version served is a draft and none served is active, the active version that draft replaced by
   * its write (the version just before it in its id's history: a draft written over the version in use does not take
   * its place, and a deleted resource's versions never come back); else the latest version.
   */
  latest<T extends TerminologyType>(type: T, url: string, accept: (r: ByType[T]) => boolean = () => true): ByType[T] | undefined {
    for (const layer of this.resolving) {
      if (!layer.fromRequest) break;
      const brought = layer.versions(type, url).filter(accept);
      if (brought.length > 0) return latestActive(brought);
    }
    // a catalog's release of a code system the FHIR core also has is what the reference means, whichever of the two
    // version strings sorts later (R4's 4.0.1 after a package's 1.0.0), as `find` takes the catalogs' first
    const own = this.versionsIn(this.layers, type, url, false).filter(accept);
    const current = (own.length > 0 ? own : this.versionsIn(this.referenceLayers, type, url, false).filter(accept))
      .sort((a, b) => compareVersions(a.version, b.version));
    const chosen = latestActive(current);
    if (chosen?.status !== 'draft' || !chosen.id) return chosen;
    const before = Number(chosen.meta?.versionId) - 1;
    if (!(before >= 1)) return chosen;
    const replaced = this.versions(type, url, true)
      .find((r) => r.id === chosen.id && r.status === 'active' && accept(r) && Number(r.meta?.versionId) === before);
    return replaced ?? chosen;
  }

  findCanonical<T extends TerminologyType>(type: T, ref: string): ByType[T] | undefined {
    const { url, version } = parseCanonical(ref);
    return this.find(type, url, version);
  }

  /** The resource a read by id finds; the read counts for that id alone (a lower layer computing it reports its own reads). */
  byId<T extends TerminologyType>(type: T, id: string): ByType[T] | undefined {
    if (this.tracker.recording) this.tracker.read(idScope(type, id));
    for (const layer of this.layers) {
      const hit = layer.byResourceId(type, id);
      if (hit) return hit;
    }
    return undefined;
  }

  /**
   * All versions of a canonical across layers, oldest first, the upper layer winning on equal versions. The versions
   * that later writes replaced (src/store/past-version.ts) only with `withPast`: they answer `url|version`, but are
   * never the newest version of an unversioned reference.
   */
  versions<T extends TerminologyType>(type: T, url: string, withPast = false): ByType[T][] {
    return this.versionsIn(this.resolving, type, url, withPast);
  }

  private versionsIn<T extends TerminologyType>(layers: readonly ResourceSet[], type: T, url: string, withPast: boolean): ByType[T][] {
    this.readUrl(url);
    const found: ByType[T][][] = [];
    for (let i = layers.length - 1; i >= 0; i--) {
      if (layers[i]!.versionedOnly && !withPast) continue;
      const list = layers[i]!.versions(type, url);
      if (list.length > 0) found.push(list);
    }
    // the usual case: one layer has the canonical (a copy, so that callers may keep or change the list)
    if (found.length <= 1) return found.length === 0 ? [] : [...found[0]!];
    const seen = new Map<string, ByType[T]>();
    for (const list of found) for (const r of list) seen.set(r.version ?? '', r);
    return [...seen.values()];
  }

  /**
   * Every resource of a type; `computed: false` leaves out the layers computed on first use (not computing them).
   * `within`: the caller keeps only resources in that scope (ChangeScopes.ofResource, or one of RESOURCE_KINDS), so
   * the read counts for that scope alone (for every scope when there is no such scope).
   */
  list<T extends TerminologyType>(type: T, options: { computed?: boolean; within?: string } = {}): ByType[T][] {
    if (this.tracker.recording) {
      const within = options.within;
      if (within !== undefined && (this.scopes.has(within) || RESOURCE_KINDS.some((k) => k.scope === within))) this.tracker.read(within);
      else this.tracker.readEverything();
    }
    // An upper layer's resources hide a lower layer's with the same id and url; within one layer every version is listed.
    const out = new Map<string, ByType[T][]>();
    for (const layer of [...this.layers].reverse()) {
      if (options.computed === false && layer.computedOnUse) continue;
      const mine = new Map<string, ByType[T][]>();
      for (const r of layer.list(type)) {
        const key = r.id ? `id:${r.id}|${r.url ?? ''}` : `url:${r.url}|${r.version ?? ''}`;
        const list = mine.get(key);
        if (list) list.push(r);
        else mine.set(key, [r]);
      }
      for (const [key, list] of mine) out.set(key, list);
    }
    return [...out.values()].flat();
  }

  /** Every resource of a type in the layers below the catalogs (the FHIR core terminology, the library systems), which `list` leaves out. */
  referenceList<T extends TerminologyType>(type: T): ByType[T][] {
    return this.referenceLayers.flatMap((layer) => layer.list(type));
  }

  findCodeSystem(url: string, version?: string): CodeSystem | undefined {
    const cs = this.find('CodeSystem', url, version);
    if (cs && cs.content !== 'supplement') return cs;
    return this.latest('CodeSystem', url, (c) => c.content !== 'supplement');
  }

  /** The supplement with this url (the version given, or the latest), for the messages about a supplement used wrongly. */
  findSupplement(url: string, version?: string): CodeSystem | undefined {
    const isSupplement = (cs: CodeSystem) => cs.content === 'supplement';
    if (version === undefined) return this.latest('CodeSystem', url, isSupplement);
    const hit = this.find('CodeSystem', url, version);
    return hit && isSupplement(hit) ? hit : undefined;
  }

  /** Supplements of a code system version: the always-applied ones plus those requested by canonical. */
  supplementsFor(cs: CodeSystem, requested: readonly string[] = []): CodeSystem[] {
    if (this.tracker.recording) this.tracker.read(SUPPLEMENTS_KIND);
    const index = this.supplementList();
    if (requested.length === 0) {
      let defaults = index.defaults.get(cs);
      if (!defaults) {
        defaults = this.findSupplements(cs, index.supplements, requested);
        index.defaults.set(cs, defaults);
      }
      return defaults;
    }
    return this.findSupplements(cs, index.supplements, requested);
  }

  private findSupplements(cs: CodeSystem, all: CodeSystem[], requested: readonly string[]): CodeSystem[] {
    const out: CodeSystem[] = [];
    for (const s of all) {
      const target = parseCanonical(s.supplements!);
      if (target.url !== cs.url) continue;
      // the version a supplement names, and one a request names, by the one version rule (`1.0` names `1.0.2`)
      if (target.version && cs.version && !versionMatches(target.version, cs.version)) continue;
      const isDefault = this.defaultSupplementUrls.has(s.url ?? '') || isLanguagePack(s);
      const isRequested = requested.some((r) => canonicalNames(r, s));
      if (isDefault || isRequested) out.push(s);
    }
    return out.sort((a, b) => (a.url ?? '').localeCompare(b.url ?? ''));
  }

  provider(cs: CodeSystem, requestedSupplements: readonly string[] = []): CodeSystemProvider {
    return this.providerCache.get(cs, this.supplementsFor(cs, requestedSupplements));
  }

  /** Provider for a system url and optional version, or undefined when the code system is not known. */
  codeSystemProvider(url: string, version?: string, requestedSupplements: readonly string[] = []): CodeSystemProvider | undefined {
    const cs = this.findCodeSystem(url, version);
    if (!cs || (version !== undefined && cs.version !== version && this.find('CodeSystem', url, version) === undefined)) {
      return undefined;
    }
    return this.provider(cs, requestedSupplements);
  }
}

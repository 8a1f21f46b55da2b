import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import type { Reads } from '../terminology/read-tracking';
import type { TerminologyRegistry } from '../terminology/registry';
import { ResourceSet, type TerminologyType } from '../terminology/resource-set';
import { idMoves, withUniqueIds, yieldedIds, type TakenElsewhere } from '../terminology/served-ids';
import { municipalitiesWithCatalogs, municipalSourcesOf, municipalValueSetsOf } from './municipal-value-sets';
import { isKommunekode, parseMunicipalUrl, reservedIdKommunekode } from './municipality';

type ByType = { CodeSystem: CodeSystem; ValueSet: ValueSet; ConceptMap: ConceptMap };

/** One municipality's pick lists, the resources they were computed from, and what finding those read. */
interface Derived {
  set: ResourceSet;
  sources: readonly unknown[];
  reads: Reads;
  /** The `ValueSet/id` of lists served under another id because the municipality wrote a resource under them. */
  yielded: ReadonlySet<string>;
}

function sameSources(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The registry's lowest layer (below the written and the published ones), of derived resources: each municipality's pick lists
 * (municipal-value-sets.ts), computed on first use per municipality. A municipality's lists are looked at again only
 * after a scope they were computed from changed (registry.tracked: a write to that municipality's catalogs, or to the
 * common ones), and computed again only when what they are computed from has changed (municipalSourcesOf): a write
 * recomputes the writing municipality's lists, not the 97 others'. Resources
 * written or published under the same canonical win over them (upper layers). Holds only ValueSets.
 */
export class MunicipalValueSetLayer extends ResourceSet {
  override readonly computedOnUse = true;
  private registry?: TerminologyRegistry;
  private readonly perMunicipality = new Map<string, Derived>();
  /** Set while computing: lookups the computation itself makes do not recurse into this layer. */
  private computing = false;

  /**
   * `takenElsewhere`: whether an upper layer (what the municipality wrote) holds an id for another url; a pick list
   * computed with that id is served under another (terminology/served-ids.ts), so that both can be read by id.
   */
  constructor(private readonly takenElsewhere: TakenElsewhere = () => false) {
    super();
  }

  /** The registry the layer is part of (set once, after the registry is built on it). */
  attach(registry: TerminologyRegistry): void {
    this.registry = registry;
    // A list served under another id gets its own back once the resource that held it is deleted; a list gives its id
    // up to a municipality's value set that arrives under it (written on another replica before the list existed there).
    registry.onTouch((changed) => {
      for (const r of changed ?? []) {
        const kommunekode = r.resourceType === 'ValueSet' && r.id ? reservedIdKommunekode(r.id) : undefined;
        const derived = kommunekode === undefined ? undefined : this.perMunicipality.get(kommunekode);
        if (derived && idMoves('ValueSet', r.id!, derived.set, derived.yielded, this.takenElsewhere)) this.perMunicipality.delete(kommunekode!);
      }
    });
  }

  private setOf(kommunekode: string | undefined): ResourceSet | undefined {
    const registry = this.registry;
    // only real kommunekoder: a lookup of any other URL under the base must not add an entry (at most 1,000)
    if (!registry || !isKommunekode(kommunekode) || this.computing) return undefined;
    let derived = this.perMunicipality.get(kommunekode);
    if (derived && registry.current(derived.reads)) return derived.set;
    this.computing = true;
    try {
      const { value: sources, reads } = registry.tracked(() => municipalSourcesOf(registry, kommunekode));
      if (derived && sameSources(derived.sources, sources)) {
        derived.reads = reads;
      } else {
        const lists = municipalValueSetsOf(registry, kommunekode);
        derived = { set: new ResourceSet(withUniqueIds(lists, this.takenElsewhere)), sources, reads, yielded: yieldedIds(lists, this.takenElsewhere) };
        this.perMunicipality.set(kommunekode, derived);
      }
    } finally {
      this.computing = false;
    }
    return derived.set;
  }

  override versions<T extends TerminologyType>(type: T, url: string): ByType[T][] {
    if (type !== 'ValueSet') return [];
    return this.setOf(parseMunicipalUrl(url)?.kommunekode)?.versions(type, url) ?? [];
  }

  override find<T extends TerminologyType>(type: T, url: string, version?: string): ByType[T] | undefined {
    if (type !== 'ValueSet') return undefined;
    return this.setOf(parseMunicipalUrl(url)?.kommunekode)?.find(type, url, version);
  }

  override byResourceId<T extends TerminologyType>(type: T, id: string): ByType[T] | undefined {
    if (type !== 'ValueSet') return undefined;
    return this.setOf(reservedIdKommunekode(id))?.byResourceId(type, id);
  }

  override list<T extends TerminologyType>(type: T): ByType[T][] {
    if (type !== 'ValueSet' || !this.registry || this.computing) return [];
    this.computing = true;
    let municipalities: string[];
    try {
      municipalities = municipalitiesWithCatalogs(this.registry);
    } finally {
      this.computing = false;
    }
    return municipalities.flatMap((k) => this.setOf(k)?.list(type) ?? []);
  }
}

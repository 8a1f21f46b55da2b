import type { CodeSystemConceptDesignation, Extension, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from '../providers/provider';
import type { AppliedVersionRule, SystemVersionRules } from './versions';

/** One code of an expansion, before it is rendered to `ValueSet.expansion.contains`. */
export interface ExpansionEntry {
  system: string;
  version?: string;
  code: string;
  /** The display given in the compose for this code, else the code system's display. */
  display?: string;
  inactive: boolean;
  abstract: boolean;
  concept?: Concept;
  provider?: CodeSystemProvider;
  /** Designations given in the value set's compose for this code. */
  composeDesignations?: CodeSystemConceptDesignation[];
  /** The display the compose gives for this code, and the language of the value set that gives it. */
  composeDisplay?: string;
  composeLanguage?: string;
  /** Extensions on the compose's reference to this code (labels, order, deprecation...). */
  composeExtensions?: Extension[];
  /** The element this code had in a value set's stored expansion, when it came from one. */
  stored?: ValueSetExpansionContains;
  /**
   * Not a code: an element of a value set's given expansion without system and code, which only groups the codes
   * under it (abstract). It is in the expansion's tree (ComposeResult.givenTree), never among its codes (entries).
   */
  group?: boolean;
}

/** An entry with the entries under it, as an expansion nests them. */
export interface HierarchyNode {
  entry: ExpansionEntry;
  children: HierarchyNode[];
}

/**
 * The entry of a code taken whole from a packed code system (PackedCodeSystemProvider), whose concepts are kept as
 * text and parsed when located: the entry locates its concept when it is read instead of holding it, so an evaluated
 * value set of a large local catalog holds no parsed concept per code (the 98 municipalities' pickers are 196,000).
 * The concept is a new object on each read, as the provider's are. A copy made by spreading an entry must name
 * `concept` (a getter is not copied).
 */
export class LocatingEntry implements ExpansionEntry {
  constructor(
    readonly system: string,
    readonly version: string | undefined,
    readonly code: string,
    readonly display: string | undefined,
    readonly inactive: boolean,
    readonly abstract: boolean,
    readonly provider: CodeSystemProvider,
  ) {}

  get concept(): Concept | undefined {
    return this.provider.locate(this.code);
  }

  /** The same entry with its concept located once, for work that reads it several times (rendering the code). */
  located(): LocatingEntry {
    return new LocatedEntry(this, this.provider.locate(this.code));
  }
}

class LocatedEntry extends LocatingEntry {
  constructor(from: LocatingEntry, private readonly locatedConcept: Concept | undefined) {
    super(from.system, from.version, from.code, from.display, from.inactive, from.abstract, from.provider);
  }

  override get concept(): Concept | undefined {
    return this.locatedConcept;
  }
}

export interface ComposeResult {
  entries: ExpansionEntry[];
  /** code systems used, as url → version (the last version seen for a url) */
  usedCodeSystems: Map<string, string | undefined>;
  /** value sets imported (not contained ones), as url|version */
  usedValueSets: Set<string>;
  /** Every code system version used (includes and excludes), in order of first use. */
  providers: CodeSystemProvider[];
  /** Value sets imported, in order of first use (contained ones included). */
  importedValueSets: ValueSet[];
  /** The includes can be shown as the code system hierarchy (whole systems or one filter each, no overlaps). */
  hierarchical: boolean;
  /** Some include names no property filter: a text filter turns it into a search. */
  hasUnfilteredInclude: boolean;
  /** Codes come from several versions of one code system, so each code carries its version. */
  versioned: boolean;
  /** Codes of different versions of one code system are treated as the same code. */
  versionsMatch: boolean;
  /** A value set given by its expansion only: the codes and groups of that expansion, nested as it nests them. */
  givenTree?: HierarchyNode[];
  /** Version parameters that took effect. */
  appliedVersionRules: AppliedVersionRule[];
  /** default-valueset-version parameters that took effect (url|version). */
  appliedValueSetVersions: string[];
  /** Code systems used that are fragments (content = fragment), as url|version. */
  fragments: string[];
  /** Code systems defined by a grammar (UCUM, BCP 47) taken whole or by filter: their part here is only their base list. */
  grammars: { system: string; base: string }[];
  /**
   * A grammar-defined code system is taken whole, or by filters that select infinitely many codes (BCP 47's): the
   * number of codes is unbounded, so no total is given.
   */
  unbounded: boolean;
}

export interface ComposeOptions extends SystemVersionRules {
  /** Versions of value sets imported without a version (default-valueset-version). */
  defaultValueSetVersions?: Map<string, string>;
  /** Upper bound on the number of codes before the expansion is refused as too costly. */
  maxEntries?: number;
  /** Supplements the request requires (useSupplement). */
  supplements?: readonly string[];
}

export function entryKey(system: string, code: string): string {
  return `${system}\u0000${code}`;
}

export function emptyResult(): ComposeResult {
  return {
    entries: [], usedCodeSystems: new Map(), usedValueSets: new Set(), providers: [], importedValueSets: [],
    hierarchical: true, hasUnfilteredInclude: false, versioned: false, versionsMatch: false,
    appliedVersionRules: [], appliedValueSetVersions: [], fragments: [], grammars: [], unbounded: false,
  };
}

/** Adds what an imported value set used to what the importing one used. */
export function mergeUsage(into: ComposeResult, from: ComposeResult): void {
  for (const p of from.providers) if (!into.providers.includes(p)) into.providers.push(p);
  for (const [k, v] of from.usedCodeSystems) into.usedCodeSystems.set(k, v);
  for (const v of from.usedValueSets) into.usedValueSets.add(v);
  for (const v of from.importedValueSets) if (!into.importedValueSets.includes(v)) into.importedValueSets.push(v);
  for (const r of from.appliedVersionRules) {
    if (!into.appliedVersionRules.some((x) => x.name === r.name && x.value === r.value)) into.appliedVersionRules.push(r);
  }
  for (const v of from.appliedValueSetVersions) if (!into.appliedValueSetVersions.includes(v)) into.appliedValueSetVersions.push(v);
  for (const f of from.fragments) if (!into.fragments.includes(f)) into.fragments.push(f);
  for (const g of from.grammars) if (!into.grammars.some((x) => x.system === g.system)) into.grammars.push(g);
  if (from.unbounded) into.unbounded = true;
}

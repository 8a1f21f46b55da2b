import type { CodeSystem, CodeSystemConceptDesignation, CodeSystemConceptProperty, CodeSystemProperty, ValueSet } from 'fhir/r4';
import type { CodeSystemProvider, Concept, ConceptStatus } from '../provider';
import { BoundedMap } from '../../bounded-map';

/** A concept of a code system defined by a grammar: made when its code is first parsed, with no hierarchy. */
export interface GrammarConcept extends Concept {
  readonly designations: CodeSystemConceptDesignation[];
  readonly properties: CodeSystemConceptProperty[];
}

export function grammarConcept(code: string, display: string | undefined, designations: CodeSystemConceptDesignation[] = [],
  properties: CodeSystemConceptProperty[] = []): GrammarConcept {
  return { code, display, designations, properties, parents: [], children: [] };
}

/** Parsed codes kept per provider: enough for every code a client sends in a while, bounded so no input grows it forever. */
const MAX_CACHED = 5000;

/**
 * A code system with infinitely many codes (UCUM units, BCP-47 tags): a code is a concept when it parses. Its
 * enumerable part (all()) is a base list of common codes, so an expansion of the whole system is marked unclosed,
 * naming `grammarBase`, the list it is based on.
 */
export abstract class GrammarCodeSystemProvider implements CodeSystemProvider {
  readonly url: string;
  readonly version?: string;
  readonly caseSensitive: boolean;
  readonly propertyDefinitions: readonly CodeSystemProperty[];
  /**
   * Whether an include that filters the code system selects from its base list (UCUM's `canonical`, as tx.fhir.org
   * expands it, with a total) rather than, like the whole code system, from its infinitely many codes.
   */
  readonly filtersBounded: boolean = true;
  private readonly parsed = new BoundedMap<string, GrammarConcept | null>(MAX_CACHED);
  private baseList?: GrammarConcept[];

  constructor(readonly resource: CodeSystem, readonly supplements: readonly CodeSystem[], readonly grammarBase: string) {
    this.url = resource.url ?? '';
    this.version = resource.version;
    this.caseSensitive = resource.caseSensitive === true;
    this.propertyDefinitions = resource.property ?? [];
  }

  /** The value set the base list comes from, when it is one (its status is reported like an imported value set's). */
  get grammarBaseResource(): ValueSet | undefined {
    return undefined;
  }

  /** The concept a code stands for, or undefined when the code is not valid in the grammar. */
  protected abstract parse(code: string): GrammarConcept | undefined;

  /** The common codes the base list holds, in order. */
  protected abstract baseCodes(): string[];

  locate(code: string): Concept | undefined {
    let hit = this.parsed.get(code);
    if (hit === undefined) {
      hit = this.parse(code) ?? null;
      this.parsed.set(code, hit);
    }
    return hit ?? undefined;
  }

  locateIgnoringCase(): Concept | undefined {
    return undefined;
  }

  roots(): readonly Concept[] {
    return this.all();
  }

  all(): GrammarConcept[] {
    this.baseList ??= [...new Set(this.baseCodes())].map((c) => this.locate(c)).filter((c): c is GrammarConcept => c !== undefined);
    return this.baseList;
  }

  size(): number {
    return this.all().length;
  }

  status(): ConceptStatus {
    return 'active';
  }

  isInactive(): boolean {
    return false;
  }

  isDeprecated(): boolean {
    return false;
  }

  isAbstract(): boolean {
    return false;
  }

  subsumes(ancestor: Concept, concept: Concept): boolean {
    return ancestor.code === concept.code;
  }

  descendants(): Iterable<Concept> {
    return [];
  }

  propertyValues(concept: Concept, code: string): CodeSystemConceptProperty[] {
    return concept.properties.filter((p) => p.code === code);
  }
}

export function isGrammarProvider(p: CodeSystemProvider): p is GrammarCodeSystemProvider {
  return p instanceof GrammarCodeSystemProvider;
}

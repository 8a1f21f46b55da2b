import type { CodeSystem, CodeSystemConceptDesignation, CodeSystemConceptProperty, CodeSystemProperty, Extension } from 'fhir/r4';
import type { Bilingual } from '../../errors/issue';
import { canonicalNames } from '../versions';

/** A concept located once in a code system; every question about it is asked through its provider. */
export interface Concept {
  readonly code: string;
  readonly display?: string;
  readonly definition?: string;
  readonly designations: readonly CodeSystemConceptDesignation[];
  readonly properties: readonly CodeSystemConceptProperty[];
  /** Extensions on the concept (code system and supplements, in that order). */
  readonly extensions?: readonly Extension[];
  readonly parents: readonly Concept[];
  readonly children: readonly Concept[];
}

/** The concepts reached from a concept by `next`, each once, nearest first (breadth first): also in a poly-hierarchy or a cycle. */
function* reached(concept: Concept, next: (c: Concept) => readonly Concept[]): Generator<Concept> {
  const seen = new Set<Concept>([concept]);
  const queue: Concept[] = [...next(concept)];
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    if (seen.has(c)) continue;
    seen.add(c);
    yield c;
    for (const d of next(c)) queue.push(d);
  }
}

/** A concept's ancestors, each once, nearest first: O(ancestors). */
export const ancestorsOf = (concept: Concept): Generator<Concept> => reached(concept, (c) => c.parents);

/** A concept's descendants, each once, nearest first: O(descendants). */
export const descendantsOf = (concept: Concept): Generator<Concept> => reached(concept, (c) => c.children);

export type ConceptStatus = 'active' | 'inactive' | 'retired' | 'deprecated' | 'draft' | 'experimental';

/**
 * A code as a code system that is not case sensitive (CodeSystem.caseSensitive) compares it: codes of the same folded
 * form are one code (locateIgnoringCase; $translate's codes of such a system).
 */
export function foldedCode(code: string): string {
  return code.toLowerCase();
}

/** The contract every code system implementation fulfils. */
export interface CodeSystemProvider {
  readonly url: string;
  readonly version?: string;
  readonly resource: CodeSystem;
  readonly caseSensitive: boolean;
  /** Supplements applied to this provider (canonical url|version). */
  readonly supplements: readonly CodeSystem[];
  readonly propertyDefinitions: readonly CodeSystemProperty[];

  locate(code: string): Concept | undefined;
  /** Case-insensitive lookup, for systems that are not case sensitive or for diagnostics. */
  locateIgnoringCase(code: string): Concept | undefined;
  roots(): readonly Concept[];
  all(): Iterable<Concept>;
  size(): number;

  status(concept: Concept): ConceptStatus;
  isInactive(concept: Concept): boolean;
  isDeprecated(concept: Concept): boolean;
  isAbstract(concept: Concept): boolean;
  /** True when `ancestor` is `concept` itself or one of its ancestors. */
  subsumes(ancestor: Concept, concept: Concept): boolean;
  /**
   * True when `subsumes` is exactly the hierarchy's answer (`ancestorsOf`): a caller that found two concepts related by
   * walking the hierarchy need not ask it again (a walk per pair, as long as the path between them).
   */
  readonly subsumesByHierarchy?: boolean;
  descendants(concept: Concept): Iterable<Concept>;
  /** Values of a concept property by code (supplement properties included). */
  propertyValues(concept: Concept, code: string): CodeSystemConceptProperty[];
  /**
   * False for a concept whose display is only a placeholder (ISO 3166's user-assigned codes): another display is
   * then noted, not refused. Absent means every display is fixed.
   */
  displayIsFixed?(concept: Concept): boolean;
  /** Why a code is not a concept, for a code system defined by a grammar (its parser's error); absent or undefined otherwise. */
  explainUnknown?(code: string): Bilingual | undefined;
}

/** Whether the provider applies the supplement a canonical names (`url`, or `url|version` by the one version rule: `2.0` names `2.0.1`). */
export function hasSupplement(provider: CodeSystemProvider, canonical: string): boolean {
  return provider.supplements.some((s) => canonicalNames(canonical, s));
}

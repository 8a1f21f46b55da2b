import type { CodeSystemConcept } from 'fhir/r4';

/** Visits each concept, a parent before its children, with a function that writes its path (wanted only for an issue). */
export function walkConcepts(concepts: CodeSystemConcept[] | undefined, parent: () => string, visit: (c: CodeSystemConcept, at: () => string) => void): void {
  if (!Array.isArray(concepts)) return;
  for (let i = 0; i < concepts.length; i++) {
    const c = concepts[i]!;
    const at = (): string => `${parent()}[${i}]`;
    visit(c, at);
    if (c && c.concept) walkConcepts(c.concept, () => `${at()}.concept`, visit);
  }
}

export const CONCEPTS = (): string => 'CodeSystem.concept';

/** A code a code system defines twice, nested concepts included (FHIR's csd-1: codes are unique in a code system). */
export interface DuplicateCode {
  code: string;
  /** Where the code is first defined, and where again. */
  first: () => string;
  at: () => string;
}

/** Every repeated definition of a code, in the order of the concepts; empty when each code is defined once. */
export function duplicateCodes(concepts: CodeSystemConcept[] | undefined): DuplicateCode[] {
  const seen = new Map<string, () => string>();
  const out: DuplicateCode[] = [];
  walkConcepts(concepts, CONCEPTS, (c, at) => {
    if (typeof c?.code !== 'string') return;
    const first = seen.get(c.code);
    if (first) out.push({ code: c.code, first, at });
    else seen.set(c.code, at);
  });
  return out;
}

/** R4 ConceptMap equivalences that state there is no mapping: a target with one of them is not a target. */
export const NO_MAPPING: ReadonlySet<string> = new Set(['unmatched', 'disjoint']);

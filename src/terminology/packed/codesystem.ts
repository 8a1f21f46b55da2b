import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import { withLazyField } from './lazy-field';
import { PackedJsonArray } from './json-array';

/** A packed code system's concepts and where each code is. */
export interface PackedConcepts {
  readonly concepts: PackedJsonArray<CodeSystemConcept>;
  /** Position of each code's first concept, in the order of the concepts. */
  readonly byCode: ReadonlyMap<string, number>;
}

const packed = new WeakMap<CodeSystem, PackedConcepts>();

const HIERARCHY_PROPERTY_URIS = ['http://hl7.org/fhir/concept-properties#parent', 'http://hl7.org/fhir/concept-properties#child'];

/** The property codes that can link concepts into a hierarchy. */
function hierarchyPropertyCodes(cs: CodeSystem): Set<string> {
  const codes = new Set(['parent', 'child']);
  for (const p of cs.property ?? []) if (p.uri && HIERARCHY_PROPERTY_URIS.includes(p.uri)) codes.add(p.code);
  return codes;
}

/**
 * Whether a code system's concepts can be served from the packed form (PackedCodeSystemProvider): a flat list — no
 * nested concepts, no parent/child properties — and not a supplement (whose concepts $lookup reads on every
 * request). Hierarchical code systems keep their concepts as objects, which their provider links anyway.
 */
function isPackable(cs: CodeSystem): boolean {
  if (cs.content === 'supplement' || !Array.isArray(cs.concept) || cs.concept.length === 0) return false;
  const hierarchyCodes = hierarchyPropertyCodes(cs);
  return cs.concept.every((c) => !c.concept?.length && !(c.property ?? []).some((p) => hierarchyCodes.has(p.code)));
}

/** The code system with its concepts packed when it is a flat list; otherwise the code system itself. */
export function packCodeSystem(cs: CodeSystem): CodeSystem {
  if (!isPackable(cs)) return cs;
  const list = cs.concept!;
  const concepts = new PackedJsonArray(list);
  const byCode = new Map<string, number>();
  list.forEach((c, i) => {
    if (!byCode.has(c.code)) byCode.set(c.code, i);
  });
  const stub = withLazyField(cs, 'concept', () => concepts.all());
  packed.set(stub, { concepts, byCode });
  return stub;
}

/** The packed concepts of a code system made by packCodeSystem, else undefined. */
export function packedConcepts(cs: CodeSystem): PackedConcepts | undefined {
  return packed.get(cs);
}

/** Lets `copy` (a copy of `cs` with the same concepts) be served from `cs`'s packed concepts too. */
export function sharePackedConcepts(cs: CodeSystem, copy: CodeSystem): void {
  const p = packed.get(cs);
  if (p) packed.set(copy, p);
}

import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import { BaseCodeSystemProvider } from './base';
import { foldedCode, type CodeSystemProvider, type Concept } from './provider';
import type { PackedConcepts } from '../packed/codesystem';

const NONE: readonly Concept[] = Object.freeze([]);

function asConcept(c: CodeSystemConcept): Concept {
  return {
    code: c.code,
    display: c.display,
    definition: c.definition,
    designations: c.designation ?? [],
    properties: c.property ?? [],
    extensions: c.extension ?? [],
    parents: NONE,
    children: NONE,
  };
}

/**
 * Provider over a flat code system without supplements whose concepts are packed (packed-codesystem.ts): a concept
 * is parsed when it is located, so the provider holds no object per concept; a computation that goes through all
 * of them parses them once for all its reads (parsed-now.ts). It answers as FhirCodeSystemProvider does over the
 * same code system; a located concept is a new object each time, so two of the same code are equal, not identical
 * (which subsumes allows for), and the parts it shares with the parse (designations, properties) are read, not changed.
 */
export class PackedCodeSystemProvider extends BaseCodeSystemProvider implements CodeSystemProvider {
  private byLowerCode?: Map<string, number>;

  constructor(resource: CodeSystem, private readonly packed: PackedConcepts) {
    super(resource, []);
  }

  private conceptAt(position: number | undefined): Concept | undefined {
    return position === undefined ? undefined : asConcept(this.packed.concepts.itemNow(position));
  }

  locate(code: string): Concept | undefined {
    const exact = this.conceptAt(this.packed.byCode.get(code));
    if (exact || this.caseSensitive) return exact;
    return this.locateIgnoringCase(code);
  }

  locateIgnoringCase(code: string): Concept | undefined {
    if (!this.byLowerCode) {
      this.byLowerCode = new Map();
      for (const [k, v] of this.packed.byCode) if (!this.byLowerCode.has(foldedCode(k))) this.byLowerCode.set(foldedCode(k), v);
    }
    return this.conceptAt(this.byLowerCode.get(foldedCode(code)));
  }

  /** Every concept: a flat list has no parents. */
  roots(): readonly Concept[] {
    return [...this.all()];
  }

  *all(): Iterable<Concept> {
    const concepts = this.packed.concepts.parsedNow();
    for (const position of this.packed.byCode.values()) yield asConcept(concepts[position]!);
  }

  size(): number {
    return this.packed.byCode.size;
  }

  subsumes(ancestor: Concept, concept: Concept): boolean {
    return ancestor.code === concept.code;
  }

  descendants(): Iterable<Concept> {
    return NONE;
  }
}

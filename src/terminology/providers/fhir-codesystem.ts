import type { CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation, CodeSystemConceptProperty, Extension } from 'fhir/r4';
import { BaseCodeSystemProvider } from './base';
import { ancestorsOf, descendantsOf, foldedCode, type CodeSystemProvider, type Concept } from './provider';

interface ConceptNode extends Concept {
  designations: CodeSystemConceptDesignation[];
  properties: CodeSystemConceptProperty[];
  extensions: Extension[];
  parents: ConceptNode[];
  children: ConceptNode[];
}

/** Code system provider over a FHIR CodeSystem resource (and the supplements applied to it), indexed at load. */
export class FhirCodeSystemProvider extends BaseCodeSystemProvider implements CodeSystemProvider {
  private readonly byCode = new Map<string, ConceptNode>();
  private byLowerCode?: Map<string, ConceptNode>;
  private readonly rootNodes: ConceptNode[] = [];

  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements);
    for (const c of resource.concept ?? []) this.addConcept(c, undefined);
    this.linkPropertyHierarchy();
    for (const s of supplements) this.applySupplement(s);
    for (const node of this.byCode.values()) if (node.parents.length === 0) this.rootNodes.push(node);
  }

  private addConcept(c: CodeSystemConcept, parent: ConceptNode | undefined): void {
    let node = this.byCode.get(c.code);
    if (!node) {
      node = {
        code: c.code,
        display: c.display,
        definition: c.definition,
        designations: [...(c.designation ?? [])],
        properties: [...(c.property ?? [])],
        extensions: [...(c.extension ?? [])],
        parents: [],
        children: [],
      };
      this.byCode.set(c.code, node);
    }
    if (parent && !node.parents.includes(parent)) {
      node.parents.push(parent);
      parent.children.push(node);
    }
    for (const child of c.concept ?? []) this.addConcept(child, node);
  }

  /** Some code systems state their hierarchy with parent/child properties instead of nesting. */
  private linkPropertyHierarchy(): void {
    const parentCode = this.propertyCode('parent');
    const childCode = this.propertyCode('child');
    for (const node of this.byCode.values()) {
      for (const p of node.properties) {
        const target = p.valueCode ? this.byCode.get(p.valueCode) : undefined;
        if (!target || target === node) continue;
        if (p.code === parentCode && !node.parents.includes(target)) {
          node.parents.push(target);
          target.children.push(node);
        } else if (p.code === childCode && !target.parents.includes(node)) {
          target.parents.push(node);
          node.children.push(target);
        }
      }
    }
  }

  private applySupplement(s: CodeSystem): void {
    const visit = (concepts: CodeSystemConcept[] | undefined): void => {
      for (const c of concepts ?? []) {
        const node = this.byCode.get(c.code);
        if (node) {
          if (c.display && s.language) {
            node.designations.push({ language: s.language, value: c.display });
          }
          for (const d of c.designation ?? []) node.designations.push(d);
          for (const p of c.property ?? []) node.properties.push(p);
          for (const e of c.extension ?? []) node.extensions.push(e);
        }
        visit(c.concept);
      }
    };
    visit(s.concept);
  }

  locate(code: string): Concept | undefined {
    const exact = this.byCode.get(code);
    if (exact || this.caseSensitive) return exact;
    return this.locateIgnoringCase(code);
  }

  locateIgnoringCase(code: string): Concept | undefined {
    if (!this.byLowerCode) {
      this.byLowerCode = new Map();
      for (const [k, v] of this.byCode) if (!this.byLowerCode.has(foldedCode(k))) this.byLowerCode.set(foldedCode(k), v);
    }
    return this.byLowerCode.get(foldedCode(code));
  }

  roots(): readonly Concept[] {
    return this.rootNodes;
  }

  all(): Iterable<Concept> {
    return this.byCode.values();
  }

  size(): number {
    return this.byCode.size;
  }

  readonly subsumesByHierarchy = true;

  /** Walks up from the concept, each ancestor once, until it meets the one asked about: O(ancestors), nothing kept. */
  subsumes(ancestor: Concept, concept: Concept): boolean {
    if (ancestor === concept) return true;
    for (const p of ancestorsOf(concept)) if (p === ancestor) return true;
    return false;
  }

  descendants(concept: Concept): Iterable<Concept> {
    return descendantsOf(concept);
  }
}

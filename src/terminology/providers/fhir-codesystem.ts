import type { CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation, CodeSystemConceptProperty, Extension } from 'fhir/r4';
import { BaseCodeSystemProvider } from './base';
import { ancestorsOf, descendantsOf, foldedCode, type CodeSystemProvider, type Concept } from './provider';
import { currentTimeBudget } from '../time-budget';

/** From how many parents a concept's are kept in a set while the hierarchy is built (most have one or two). */
const MANY_PARENTS = 16;

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

  /** While the hierarchy is built: the parents of concepts with many, as a set (a list is searched for the others). */
  private manyParents? = new Map<ConceptNode, Set<ConceptNode>>();

  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements);
    for (const c of resource.concept ?? []) this.addConcept(c, undefined);
    this.linkPropertyHierarchy();
    this.manyParents = undefined;
    for (const s of supplements) this.applySupplement(s);
    for (const node of this.byCode.values()) if (node.parents.length === 0) this.rootNodes.push(node);
  }

  private addConcept(c: CodeSystemConcept, parent: ConceptNode | undefined): void {
    currentTimeBudget()?.tick(); // a tx-resource code system is indexed within its request's budget
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
    if (parent) this.link(node, parent);
    for (const child of c.concept ?? []) this.addConcept(child, node);
  }

  /** Puts `child` below `parent`, once however often the code system says so. */
  private link(child: ConceptNode, parent: ConceptNode): void {
    const parents = child.parents;
    if (parents.length < MANY_PARENTS) {
      if (parents.includes(parent)) return;
    } else {
      let set = this.manyParents!.get(child);
      if (!set) this.manyParents!.set(child, (set = new Set(parents)));
      if (set.has(parent)) return;
      set.add(parent);
    }
    parents.push(parent);
    parent.children.push(child);
  }

  /** Some code systems state their hierarchy with parent/child properties instead of nesting. */
  private linkPropertyHierarchy(): void {
    const parentCode = this.propertyCode('parent');
    const childCode = this.propertyCode('child');
    for (const node of this.byCode.values()) {
      for (const p of node.properties) {
        currentTimeBudget()?.tick();
        const target = p.valueCode ? this.byCode.get(p.valueCode) : undefined;
        if (!target || target === node) continue;
        if (p.code === parentCode) this.link(node, target);
        else if (p.code === childCode) this.link(target, node);
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

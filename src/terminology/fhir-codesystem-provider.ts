import type {
  CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation, CodeSystemConceptProperty, CodeSystemProperty, Extension,
} from 'fhir/r4';
import type { CodeSystemProvider, Concept, ConceptStatus } from './codesystem-provider';

const CONCEPT_PROPERTIES = 'http://hl7.org/fhir/concept-properties#';

interface ConceptNode extends Concept {
  designations: CodeSystemConceptDesignation[];
  properties: CodeSystemConceptProperty[];
  extensions: Extension[];
  parents: ConceptNode[];
  children: ConceptNode[];
}

/** Code system provider over a FHIR CodeSystem resource (and the supplements applied to it), indexed at load. */
export class FhirCodeSystemProvider implements CodeSystemProvider {
  readonly url: string;
  readonly version?: string;
  readonly caseSensitive: boolean;
  readonly propertyDefinitions: CodeSystemProperty[];
  private readonly byCode = new Map<string, ConceptNode>();
  private byLowerCode?: Map<string, ConceptNode>;
  private readonly rootNodes: ConceptNode[] = [];
  private readonly propertyCodeByUri = new Map<string, string>();
  private readonly ancestorCache = new Map<ConceptNode, Set<ConceptNode>>();

  constructor(readonly resource: CodeSystem, readonly supplements: readonly CodeSystem[] = []) {
    this.url = resource.url ?? '';
    this.version = resource.version;
    this.caseSensitive = resource.caseSensitive === true;
    this.propertyDefinitions = [...(resource.property ?? [])];
    for (const s of supplements) {
      for (const p of s.property ?? []) {
        if (!this.propertyDefinitions.some((d) => d.code === p.code)) this.propertyDefinitions.push(p);
      }
    }
    for (const p of this.propertyDefinitions) if (p.uri) this.propertyCodeByUri.set(p.uri, p.code);
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
          node.designations.push(...(c.designation ?? []));
          node.properties.push(...(c.property ?? []));
          node.extensions.push(...(c.extension ?? []));
        }
        visit(c.concept);
      }
    };
    visit(s.concept);
  }

  /** The local code of a standard concept property, by its URI or, failing that, by its conventional code. */
  propertyCode(standard: string): string {
    return this.propertyCodeByUri.get(CONCEPT_PROPERTIES + standard) ?? standard;
  }

  locate(code: string): Concept | undefined {
    const exact = this.byCode.get(code);
    if (exact || this.caseSensitive) return exact;
    return this.locateIgnoringCase(code);
  }

  locateIgnoringCase(code: string): Concept | undefined {
    if (!this.byLowerCode) {
      this.byLowerCode = new Map();
      for (const [k, v] of this.byCode) if (!this.byLowerCode.has(k.toLowerCase())) this.byLowerCode.set(k.toLowerCase(), v);
    }
    return this.byLowerCode.get(code.toLowerCase());
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

  propertyValues(concept: Concept, code: string): CodeSystemConceptProperty[] {
    return concept.properties.filter((p) => p.code === code);
  }

  status(concept: Concept): ConceptStatus {
    const statusValue = this.propertyValues(concept, this.propertyCode('status'))[0]?.valueCode;
    if (statusValue) return statusValue as ConceptStatus;
    const inactive = this.propertyValues(concept, this.propertyCode('inactive'))[0]?.valueBoolean;
    if (inactive === true) return 'inactive';
    if (this.propertyValues(concept, this.propertyCode('deprecated')).length > 0) return 'deprecated';
    return 'active';
  }

  isInactive(concept: Concept): boolean {
    const s = this.status(concept);
    return s === 'inactive' || s === 'retired';
  }

  isDeprecated(concept: Concept): boolean {
    return this.status(concept) === 'deprecated';
  }

  isAbstract(concept: Concept): boolean {
    const v = this.propertyValues(concept, this.propertyCode('notSelectable'))[0];
    return v?.valueBoolean === true || v?.valueCode === 'true';
  }

  private ancestors(node: ConceptNode): Set<ConceptNode> {
    let set = this.ancestorCache.get(node);
    if (set) return set;
    set = new Set();
    const stack = [...node.parents];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (set.has(p)) continue;
      set.add(p);
      stack.push(...p.parents);
    }
    this.ancestorCache.set(node, set);
    return set;
  }

  subsumes(ancestor: Concept, concept: Concept): boolean {
    if (ancestor === concept) return true;
    return this.ancestors(concept as ConceptNode).has(ancestor as ConceptNode);
  }

  *descendants(concept: Concept): Iterable<Concept> {
    const seen = new Set<Concept>();
    const stack = [...concept.children];
    while (stack.length > 0) {
      const c = stack.shift()!;
      if (seen.has(c)) continue;
      seen.add(c);
      yield c;
      stack.push(...c.children);
    }
  }
}

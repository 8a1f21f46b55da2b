import type { CodeSystem, CodeSystemConceptProperty, CodeSystemProperty } from 'fhir/r4';
import type { Concept, ConceptStatus } from './provider';

const CONCEPT_PROPERTIES = 'http://hl7.org/fhir/concept-properties#';

/**
 * The local code of a standard concept property among a code system's property definitions, as a provider has it
 * (BaseCodeSystemProvider.propertyCode): the code of the last definition with its URI, or else its conventional code.
 */
export function standardPropertyCode(definitions: readonly CodeSystemProperty[] | undefined, standard: string): string {
  let code = standard;
  for (const p of Array.isArray(definitions) ? definitions : []) if (p?.uri === CONCEPT_PROPERTIES + standard && typeof p.code === 'string') code = p.code;
  return code;
}

/**
 * What every code system provider answers the same way from a concept's properties (status, abstract…); the
 * subclasses (CodeSystemProvider implementations) say how concepts are found and how they hang together.
 */
export abstract class BaseCodeSystemProvider {
  readonly url: string;
  readonly version?: string;
  readonly caseSensitive: boolean;
  readonly propertyDefinitions: CodeSystemProperty[];
  private readonly propertyCodeByUri = new Map<string, string>();

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
  }

  /** The local code of a standard concept property, by its URI or, failing that, by its conventional code. */
  propertyCode(standard: string): string {
    return this.propertyCodeByUri.get(CONCEPT_PROPERTIES + standard) ?? standard;
  }

  propertyValues(concept: Concept, code: string): CodeSystemConceptProperty[] {
    return concept.properties.filter((p) => p.code === code);
  }

  status(concept: Concept): ConceptStatus {
    const statusValue = this.propertyValues(concept, this.propertyCode('status'))[0]?.valueCode;
    if (statusValue) return statusValue as ConceptStatus;
    const inactive = this.propertyValues(concept, this.propertyCode('inactive'))[0]?.valueBoolean;
    if (inactive === true) return 'inactive';
    const deprecated = this.propertyValues(concept, this.propertyCode('deprecated'))[0];
    if (deprecated && deprecatedNow(deprecated)) return 'deprecated';
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
}

/**
 * Whether a `deprecated` property says the concept is deprecated: R4's property is the dateTime it was deprecated at,
 * which says it is (whatever the date: an answer kept in the response cache must not change with the clock); a boolean
 * (or a code `true`/`false`) says it outright; any other value counts as deprecated.
 */
function deprecatedNow(p: CodeSystemConceptProperty): boolean {
  if (p.valueBoolean !== undefined) return p.valueBoolean;
  if (p.valueCode !== undefined) return p.valueCode !== 'false';
  return true;
}

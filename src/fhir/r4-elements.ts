/**
 * The top-level elements of the resource types searched here, as FHIR R4 (4.0.1) defines them: those marked Σ
 * (ElementDefinition.isSummary), those with a minimum cardinality of 1 and the modifiers (isModifier). A choice
 * element is written as R4 writes it (`source[x]`). R4 does not change, so this is data, not a list kept by hand:
 * test/unit/r4-definitions.test.ts checks it against R4's StructureDefinitions (profiles-resources.json).
 */
export interface R4Elements {
  summary: readonly string[];
  mandatory: readonly string[];
  modifiers: readonly string[];
}

/** The metadata elements every canonical resource of these types has in its summary (R4: all Σ). */
const CANONICAL_SUMMARY = ['id', 'meta', 'implicitRules', 'url', 'identifier', 'version', 'name', 'title', 'status', 'experimental', 'date',
  'publisher', 'contact', 'useContext', 'jurisdiction'];
const MODIFIERS = ['implicitRules', 'modifierExtension', 'status'];

export const R4_ELEMENTS = {
  CodeSystem: {
    summary: [...CANONICAL_SUMMARY, 'caseSensitive', 'valueSet', 'hierarchyMeaning', 'compositional', 'versionNeeded', 'content', 'supplements',
      'count', 'filter', 'property'],
    mandatory: ['status', 'content'],
    modifiers: MODIFIERS,
  },
  ValueSet: {
    summary: [...CANONICAL_SUMMARY, 'immutable'],
    mandatory: ['status'],
    modifiers: MODIFIERS,
  },
  ConceptMap: {
    summary: [...CANONICAL_SUMMARY, 'source[x]', 'target[x]'],
    mandatory: ['status'],
    modifiers: MODIFIERS,
  },
  StructureDefinition: {
    summary: [...CANONICAL_SUMMARY, 'keyword', 'fhirVersion', 'kind', 'abstract', 'context', 'contextInvariant', 'type', 'baseDefinition',
      'derivation'],
    mandatory: ['url', 'name', 'status', 'kind', 'abstract', 'type'],
    modifiers: MODIFIERS,
  },
  OperationDefinition: {
    // R4's OperationDefinition has no identifier (R5 added it)
    summary: [...CANONICAL_SUMMARY.filter((e) => e !== 'identifier'), 'kind', 'affectsState', 'code', 'base', 'resource', 'system', 'type', 'instance'],
    mandatory: ['name', 'status', 'kind', 'code', 'system', 'type', 'instance'],
    modifiers: MODIFIERS,
  },
  AuditEvent: {
    summary: ['id', 'meta', 'implicitRules', 'type', 'subtype', 'action', 'recorded', 'outcome', 'outcomeDesc', 'purposeOfEvent'],
    mandatory: ['type', 'recorded', 'agent', 'source'],
    modifiers: ['implicitRules', 'modifierExtension'],
  },
} as const satisfies Record<string, R4Elements>;

export type SubsettableType = keyof typeof R4_ELEMENTS;

import type { ConceptMap } from 'fhir/r4';
import type { TerminologyResource } from './resource-set';

/** Marks a published ConceptMap whose source codes are legacy keys of the target codes. */
export const LEGACY_CODE_MAP_EXTENSION = 'http://faelles-tx.dk/fhir/StructureDefinition/legacy-code-map';

export function isLegacyMap(cm: ConceptMap): boolean {
  return (cm.extension ?? []).some((e) => e.url === LEGACY_CODE_MAP_EXTENSION && e.valueBoolean === true);
}

/** Which supplements apply to a code system is found among all supplements. */
export const SUPPLEMENTS_KIND = '#supplements';
/** The legacy keys of a code system are found among all maps marked as legacy-key maps. */
export const LEGACY_MAPS_KIND = '#legacy-maps';
/** The maps a $translate without a map may use are found among all maps. */
export const CONCEPT_MAPS_KIND = '#concept-maps';

/**
 * Kinds of resources that are found by listing all resources rather than by URL, each a scope of its own
 * (read-tracking.ts): a change to one of them, wherever it lives, affects what was computed from its kind, and a
 * change to any other resource does not.
 */
export const RESOURCE_KINDS: readonly { scope: string; is(resource: TerminologyResource): boolean }[] = [
  { scope: SUPPLEMENTS_KIND, is: (r) => r.resourceType === 'CodeSystem' && r.content === 'supplement' },
  { scope: LEGACY_MAPS_KIND, is: (r) => r.resourceType === 'ConceptMap' && isLegacyMap(r as ConceptMap) },
  { scope: CONCEPT_MAPS_KIND, is: (r) => r.resourceType === 'ConceptMap' },
];

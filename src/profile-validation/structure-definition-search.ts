import type { Bundle, ElementDefinition, StructureDefinition } from 'fhir/r4';
import { canonicalSearchParams } from '../fhir/canonical-search-params';
import { listOf } from '../fhir/json-object';
import { searchResources, type SearchParam } from '../fhir/search';
import type { ProfileRegistry } from './profile-registry';

/** The snapshot's and the differential's elements. */
function elementsOf(sd: StructureDefinition): ElementDefinition[] {
  return [...listOf(sd.snapshot?.element), ...listOf(sd.differential?.element)];
}

/** Search parameters of StructureDefinition: those R4 defines, composite ones left out. */
export const STRUCTURE_DEFINITION_SEARCH_PARAMS: SearchParam<StructureDefinition>[] = [
  ...canonicalSearchParams<StructureDefinition>(),
  { name: 'abstract', type: 'token', values: (sd) => [sd.abstract] },
  { name: 'base', type: 'reference', values: (sd) => [sd.baseDefinition] },
  { name: 'base-path', type: 'token', values: (sd) => elementsOf(sd).map((e) => e.base?.path) },
  { name: 'derivation', type: 'token', values: (sd) => [sd.derivation] },
  { name: 'experimental', type: 'token', values: (sd) => [sd.experimental] },
  { name: 'ext-context', type: 'token', values: (sd) => listOf(sd.context).map((c) => c.type) },
  { name: 'keyword', type: 'token', values: (sd) => listOf(sd.keyword) },
  { name: 'kind', type: 'token', values: (sd) => [sd.kind] },
  { name: 'path', type: 'token', values: (sd) => elementsOf(sd).map((e) => e.path) },
  { name: 'type', type: 'uri', values: (sd) => [sd.type] },
  { name: 'valueset', type: 'reference', values: (sd) => listOf(sd.snapshot?.element).map((e) => e.binding?.valueSet) },
];

/** Search over the profiles the server validates against; `lenient` (Prefer: handling=lenient) leaves unknown parameters out. */
export function searchStructureDefinitions(profiles: ProfileRegistry, query: Record<string, unknown>, selfUrl: string, baseUrl: string,
  options: { lenient?: boolean } = {}): Bundle {
  const all = profiles.list().map((c) => c.resource);
  return searchResources(all, STRUCTURE_DEFINITION_SEARCH_PARAMS, query, { type: 'StructureDefinition', selfUrl, baseUrl, lenient: options.lenient });
}

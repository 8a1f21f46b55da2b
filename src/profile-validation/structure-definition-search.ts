import type { Bundle, StructureDefinition } from 'fhir/r4';
import { canonicalSearchParams } from '../fhir/canonical-search-params';
import { searchResources, type SearchParam } from '../fhir/search';
import type { ProfileRegistry } from './profile-registry';

/** Search parameters of StructureDefinition this server supports (R4 names and types). */
export const STRUCTURE_DEFINITION_SEARCH_PARAMS: SearchParam<StructureDefinition>[] = [
  ...canonicalSearchParams<StructureDefinition>(),
  { name: 'type', type: 'token', values: (sd) => [sd.type] },
  { name: 'base', type: 'reference', values: (sd) => [sd.baseDefinition] },
  { name: 'derivation', type: 'token', values: (sd) => [sd.derivation] },
  { name: 'kind', type: 'token', values: (sd) => [sd.kind] },
];

/** Search over the profiles the server validates against; `lenient` (Prefer: handling=lenient) leaves unknown parameters out. */
export function searchStructureDefinitions(profiles: ProfileRegistry, query: Record<string, unknown>, selfUrl: string, baseUrl: string,
  options: { lenient?: boolean } = {}): Bundle {
  const all = profiles.list().map((c) => c.resource);
  return searchResources(all, STRUCTURE_DEFINITION_SEARCH_PARAMS, query, { type: 'StructureDefinition', selfUrl, baseUrl, lenient: options.lenient });
}

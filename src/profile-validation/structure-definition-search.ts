import type { Bundle, StructureDefinition } from 'fhir/r4';
import { canonicalSearchParams, searchResources, type SearchParam } from '../fhir/search';
import type { ProfileRegistry } from './profile-registry';

/** Search parameters of StructureDefinition this server supports (R4 names and types). */
export const STRUCTURE_DEFINITION_SEARCH_PARAMS: SearchParam<StructureDefinition>[] = [
  ...canonicalSearchParams<StructureDefinition>(),
  { name: 'type', type: 'token', matches: (sd, v) => sd.type === v },
  { name: 'base', type: 'reference', matches: (sd, v) => sd.baseDefinition === v },
  { name: 'derivation', type: 'token', matches: (sd, v) => sd.derivation === v },
  { name: 'kind', type: 'token', matches: (sd, v) => sd.kind === v },
];

/** Search over the profiles the server validates against. */
export function searchStructureDefinitions(profiles: ProfileRegistry, query: Record<string, unknown>, selfUrl: string, baseUrl: string): Bundle {
  const all = profiles.list().map((c) => c.resource);
  return searchResources(all, STRUCTURE_DEFINITION_SEARCH_PARAMS, query, { type: 'StructureDefinition', selfUrl, baseUrl });
}

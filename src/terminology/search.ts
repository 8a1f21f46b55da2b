import type { Bundle } from 'fhir/r4';
import { canonicalSearchParams, searchResources, type SearchParam } from '../fhir/search';
import type { TerminologyRegistry } from './registry';
import type { TerminologyResource, TerminologyType } from './resource-set';

function identifierMatches(resource: TerminologyResource, wanted: string): boolean {
  const bar = wanted.indexOf('|');
  const system = bar >= 0 ? wanted.slice(0, bar) : undefined;
  const value = bar >= 0 ? wanted.slice(bar + 1) : wanted;
  const ids = Array.isArray(resource.identifier) ? resource.identifier : resource.identifier ? [resource.identifier] : [];
  return ids.some((i) => (system === undefined || i.system === system) && (value === '' || i.value === value));
}

/** The search parameters of CodeSystem, ValueSet and ConceptMap. */
export const TERMINOLOGY_SEARCH_PARAMS: SearchParam<TerminologyResource>[] = [
  ...canonicalSearchParams<TerminologyResource>(),
  { name: 'identifier', type: 'token', matches: identifierMatches },
];

/** Search over the terminology resources the registry serves. */
export function searchTerminology(registry: TerminologyRegistry, type: TerminologyType, query: Record<string, unknown>, selfUrl: string, baseUrl: string): Bundle {
  return searchResources(registry.list(type), TERMINOLOGY_SEARCH_PARAMS, query, { type, selfUrl, baseUrl });
}

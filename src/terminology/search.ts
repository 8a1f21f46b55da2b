import type { Bundle } from 'fhir/r4';
import { canonicalSearchParams } from '../fhir/canonical-search-params';
import { searchResources, type SearchParam } from '../fhir/search';
import type { TerminologyRegistry } from './registry';
import type { TerminologyResource, TerminologyType } from './resource-set';

/** The search parameters of CodeSystem, ValueSet and ConceptMap. */
export const TERMINOLOGY_SEARCH_PARAMS: SearchParam<TerminologyResource>[] = [
  ...canonicalSearchParams<TerminologyResource>(),
  { name: 'identifier', type: 'token', values: (r) => [r.identifier] },
];

/** Search over the terminology resources the registry serves; `lenient` (Prefer: handling=lenient) leaves unknown parameters out. */
export function searchTerminology(registry: TerminologyRegistry, type: TerminologyType, query: Record<string, unknown>, selfUrl: string, baseUrl: string,
  options: { lenient?: boolean } = {}): Bundle {
  return searchResources(registry.list(type), TERMINOLOGY_SEARCH_PARAMS, query, { type, selfUrl, baseUrl, lenient: options.lenient });
}

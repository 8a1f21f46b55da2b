import type { Bundle, OperationDefinition } from 'fhir/r4';
import { canonicalSearchParams } from '../fhir/canonical-search-params';
import { searchResources, type SearchParam } from '../fhir/search';
import { allOperationDefinitions } from './operation-definition';

/** Search parameters of OperationDefinition: those R4 defines (R4's OperationDefinition has no identifier). */
export const OPERATION_DEFINITION_SEARCH_PARAMS: SearchParam<OperationDefinition>[] = [
  ...canonicalSearchParams<OperationDefinition>().filter((p) => p.name !== 'identifier'),
  { name: 'base', type: 'reference', values: (d) => [d.base] },
  { name: 'code', type: 'token', values: (d) => [d.code] },
  { name: 'input-profile', type: 'reference', values: (d) => [d.inputProfile] },
  { name: 'instance', type: 'token', values: (d) => [d.instance] },
  { name: 'kind', type: 'token', values: (d) => [d.kind] },
  { name: 'output-profile', type: 'reference', values: (d) => [d.outputProfile] },
  { name: 'system', type: 'token', values: (d) => [d.system] },
  { name: 'type', type: 'token', values: (d) => [d.type] },
];

/** Search over the definitions of the operations this server offers; `lenient` (Prefer: handling=lenient) leaves unknown parameters out. */
export function searchOperationDefinitions(query: Record<string, unknown>, selfUrl: string, baseUrl: string, options: { lenient?: boolean } = {}): Bundle {
  return searchResources(allOperationDefinitions(), OPERATION_DEFINITION_SEARCH_PARAMS, query,
    { type: 'OperationDefinition', selfUrl, baseUrl, lenient: options.lenient });
}

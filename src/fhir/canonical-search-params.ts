import type { CodeableConcept, Identifier, UsageContext } from 'fhir/r4';
import { listOf } from './json-object';
import type { SearchParam } from './search-match';

/** What the canonical resource types searched here (CodeSystem, ValueSet, ConceptMap, StructureDefinition) share. */
export interface CanonicalResource {
  url?: string;
  version?: string;
  name?: string;
  title?: string;
  status?: string;
  date?: string;
  publisher?: string;
  description?: string;
  identifier?: Identifier | Identifier[];
  jurisdiction?: CodeableConcept[];
  useContext?: UsageContext[];
}

/**
 * The parameters R4 defines for all these types (composite ones left out): url, version, name, title, status, date,
 * publisher, description, identifier, jurisdiction and the use contexts.
 */
export function canonicalSearchParams<R extends CanonicalResource, C = undefined>(): SearchParam<R, C>[] {
  return [
    { name: 'url', type: 'uri', values: (r) => [r.url] },
    { name: 'version', type: 'token', values: (r) => [r.version] },
    { name: 'name', type: 'string', values: (r) => [r.name] },
    { name: 'title', type: 'string', values: (r) => [r.title] },
    { name: 'status', type: 'token', values: (r) => [r.status] },
    { name: 'date', type: 'date', values: (r) => [r.date] },
    { name: 'publisher', type: 'string', values: (r) => [r.publisher] },
    { name: 'description', type: 'string', values: (r) => [r.description] },
    { name: 'identifier', type: 'token', values: (r) => [r.identifier] },
    { name: 'jurisdiction', type: 'token', values: (r) => listOf(r.jurisdiction) },
    { name: 'context', type: 'token', values: (r) => listOf(r.useContext).map((u) => u.valueCodeableConcept) },
    { name: 'context-type', type: 'token', values: (r) => listOf(r.useContext).map((u) => u.code) },
    { name: 'context-quantity', type: 'quantity', values: (r) => listOf(r.useContext).flatMap((u) => [u.valueQuantity, u.valueRange]) },
  ];
}

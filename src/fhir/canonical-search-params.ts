import type { SearchParam } from './search-match';

/** What the canonical resource types searched here (CodeSystem, ValueSet, ConceptMap, StructureDefinition) share. */
export interface CanonicalResource {
  url?: string;
  version?: string;
  name?: string;
  title?: string;
  status?: string;
}

/** An element that should be a list, as a list (a malformed resource's other value as none). */
export function listOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** Parameters R4 defines for all these types: url, version, name, title, status. */
export function canonicalSearchParams<R extends CanonicalResource, C = undefined>(): SearchParam<R, C>[] {
  return [
    { name: 'url', type: 'uri', values: (r) => [r.url] },
    { name: 'version', type: 'token', values: (r) => [r.version] },
    { name: 'name', type: 'string', values: (r) => [r.name] },
    { name: 'title', type: 'string', values: (r) => [r.title] },
    { name: 'status', type: 'token', values: (r) => [r.status] },
  ];
}

import type { CodeSystem } from 'fhir/r4';
import { packCodeSystem, sharePackedConcepts } from './codesystem';
import { packConceptMap } from './conceptmap';
import type { TerminologyResource } from '../resource-set';

/**
 * The published catalogs are kept with their bulky lists packed (packed-json-array.ts): a flat CodeSystem's
 * concepts, each ConceptMap group's elements. The resource keeps every field, in the original order, but the packed
 * one is a getter that parses a new copy on each read: reads, searches and the write checks see the resource as it
 * was, while the hot paths use the indexes kept beside the packed text (PackedCodeSystemProvider, and
 * elementsWithCode / sourcesStating for $translate). Other resources are returned as they are.
 */
export function packResource(resource: TerminologyResource): TerminologyResource {
  if (resource.resourceType === 'CodeSystem') return packCodeSystem(resource);
  if (resource.resourceType === 'ConceptMap') return packConceptMap(resource);
  return resource;
}

/**
 * The resource under another id: the same fields in the same order (a packed list stays packed: its getter is copied,
 * not read), and a packed code system's concepts shared with it.
 */
export function withId<T extends TerminologyResource>(resource: T, id: string): T {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(resource)) as T;
  Object.defineProperty(copy, 'id', { value: id, writable: true, enumerable: true, configurable: true });
  if (resource.resourceType === 'CodeSystem') sharePackedConcepts(resource as CodeSystem, copy as CodeSystem);
  return copy;
}

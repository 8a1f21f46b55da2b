import { packCodeSystem } from './codesystem';
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

import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { TerminologyRegistry } from '../terminology/registry';

/**
 * The resource an instance-level operation works on when a parameter also names a version (`valueSetVersion`,
 * `conceptMapVersion`): the instance when it is that version, else that version of the instance's url, as `url|version`
 * resolves at type level; 404 when the url has no such version. Without a version, the instance.
 */
export function instanceAtVersion<T extends ValueSet | ConceptMap | CodeSystem>(
  registry: TerminologyRegistry, target: T, version: string | undefined, parameter: string,
): T {
  if (version === undefined || version === target.version || !target.url) return target;
  const found = registry.find(target.resourceType, target.url, version) as T | undefined;
  if (found) return found;
  const known = target.version ? ` (${target.resourceType}/${target.id} is version '${excerpt(target.version)}')` : '';
  const kendt = target.version ? ` (${target.resourceType}/${target.id} er version '${excerpt(target.version)}')` : '';
  throw FhirError.notFound(`A definition for ${target.resourceType} '${excerpt(target.url)}' version '${excerpt(version)}' could not be found${known}`, {
    txIssueType: 'not-found', expression: [parameter],
    da: `${target.resourceType} '${excerpt(target.url)}' version '${excerpt(version)}' kendes ikke${kendt}`,
  });
}

import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import type { OperationInput } from '../fhir/parameters';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import { parseCanonical } from '../terminology/canonical';
import { agreeing, versionInUrl } from './agreeing-parameters';
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

/**
 * The version a `url` parameter names at instance level (`url|version`), which must be the instance's own url: the
 * operation works on the instance, so another url is a 400 rather than silently ignored or followed.
 */
export function versionInInstanceUrl(target: ValueSet | ConceptMap | CodeSystem, url: string | undefined, parameter: string): string | undefined {
  if (url === undefined) return undefined;
  const named = parseCanonical(url);
  if (target.url !== undefined && named.url !== target.url) {
    const where = `${target.resourceType}/${target.id}`;
    throw FhirError.invalid(`'${parameter}' is '${excerpt(named.url)}', but ${where} has the url '${excerpt(target.url)}': called on an instance, the operation works on that instance`, {
      expression: [parameter],
      da: `'${parameter}' er '${excerpt(named.url)}', men ${where} har url'en '${excerpt(target.url)}': kaldt på en bestemt ressource arbejder operationen på den`,
    });
  }
  return named.version;
}

/**
 * The version a call asks for: its version parameter (`valueSetVersion`, `conceptMapVersion`, `version`) or the version
 * of its `url|version`, both only when they agree (`agreeing`). At instance level the url must be the instance's own,
 * whether a version parameter is given or not.
 */
export function versionAsked(
  input: OperationInput, target: ValueSet | ConceptMap | CodeSystem | undefined, names: { url: string; version: string },
): string | undefined {
  const url = input.string(names.url);
  const inUrl = target ? versionInInstanceUrl(target, url, names.url) : url === undefined ? undefined : parseCanonical(url).version;
  return agreeing({ name: names.version, value: input.string(names.version) }, versionInUrl(names.url, inUrl));
}

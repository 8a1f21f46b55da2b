import type { CodeSystem, ConceptMap, ConceptMapGroup } from 'fhir/r4';
import type { TerminologyRegistry } from '../terminology/registry';
import { FhirError } from '../errors/fhir-error';
import { unknownConceptMap } from '../errors/common-errors';
import { parseCanonical } from '../terminology/canonical';
import type { OperationContext } from './context';
import { excerpt } from '../errors/excerpt';

/**
 * A ConceptMap by `url|version` (or the newest by `url`): the registry also has the versions of a written map that an
 * update has replaced (src/store/past-version.ts), so that counts of an earlier period can use the map of then.
 */
export function conceptMapVersion(ctx: OperationContext, ref: string, parameter: string): ConceptMap {
  const { url, version } = parseCanonical(ref);
  const found = ctx.registry.find('ConceptMap', url, version);
  if (!found) throw unknownConceptMap(ref, parameter);
  return found;
}

/** 400 for a map given where a municipality's map is asked for (its `conceptMap` parameter). */
export function notMunicipalMap(ref: string): FhirError {
  return FhirError.invalid(`'${excerpt(ref)}' is not a municipality's map`, { expression: ['conceptMap'], da: `'${excerpt(ref)}' er ikke en kommunes mapning` });
}

/** The version of a map group's source code system that the group names (sourceVersion), where the server has it. */
export function namedSourceVersion(registry: TerminologyRegistry, group: ConceptMapGroup): CodeSystem | undefined {
  return group.source && group.sourceVersion ? registry.find('CodeSystem', group.source, group.sourceVersion) : undefined;
}

/** The source code systems of a map, in the versions the map names where the server has them (else the newest). */
export function sourceCodeSystemsOf(ctx: OperationContext, cm: ConceptMap): CodeSystem[] {
  const out: CodeSystem[] = [];
  for (const group of Array.isArray(cm.group) ? cm.group : []) {
    if (!group?.source) continue;
    const cs = namedSourceVersion(ctx.registry, group) ?? ctx.registry.find('CodeSystem', group.source);
    if (cs && !out.some((c) => c.url === cs.url && c.version === cs.version)) out.push(cs);
  }
  return out;
}

import type { CodeSystem, ConceptMap, ConceptMapGroup } from 'fhir/r4';
import type { TerminologyRegistry } from '../terminology/registry';
import { FhirError } from '../errors/fhir-error';
import { unknownConceptMap } from '../errors/common-errors';
import { parseCanonical } from '../terminology/canonical';
import type { OperationContext } from './context';
import { excerpt } from '../errors/excerpt';
import { belongsTo } from '../municipal/municipality';
import { deletedLocal, localCodeSystems } from '../municipal/local-catalogs';
import { versionInForce } from '../terminology/in-force';

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

/**
 * The versions of a municipality's local catalogs (`newest`) its local codes are looked up in when its maps are taken
 * in versions chosen (a date's, or url|version), whether a code comes under its catalog's url or KL's gateway system:
 * each catalog in the version the first of `maps` to name it as its source names (group.sourceVersion), where the
 * server has it; else, on a date, the version in force then (`inForce`); else the newest. A catalog deleted since
 * (`deleted`, or one a map names) counts only in a version named or in force.
 */
export function catalogVersionsOfMaps(
  registry: TerminologyRegistry, kommunekode: string, maps: ConceptMap[], newest: CodeSystem[],
  inForce?: (newest: CodeSystem) => CodeSystem | undefined, deleted: readonly CodeSystem[] = [],
): CodeSystem[] {
  const named = new Map<string, CodeSystem>();
  for (const cm of maps) {
    for (const group of Array.isArray(cm.group) ? cm.group : []) {
      if (!group?.source || named.has(group.source)) continue;
      const cs = namedSourceVersion(registry, group);
      if (cs && belongsTo(cs, kommunekode)) named.set(group.source, cs);
    }
  }
  const catalogs = newest.map((cs) => named.get(cs.url ?? '') ?? inForce?.(cs) ?? cs);
  for (const cs of deleted) {
    const then = named.get(cs.url ?? '') ?? inForce?.(cs);
    if (then) catalogs.push(then);
  }
  for (const cs of named.values()) if (!catalogs.some((c) => c.url === cs.url)) catalogs.push(cs);
  return catalogs;
}

/**
 * A municipality's local catalogs as they were on a date: each in the version in force then (those deleted since
 * too), but where one of `maps` names a version (catalogVersionsOfMaps).
 */
export function localCatalogsOnDate(ctx: OperationContext, kommunekode: string, date: string, maps: ConceptMap[] = []): CodeSystem[] {
  const registry = ctx.registry;
  return catalogVersionsOfMaps(registry, kommunekode, maps, localCodeSystems(registry, kommunekode),
    (cs) => versionInForce(registry, 'CodeSystem', cs.url!, date, ctx.written),
    deletedLocal(registry, 'CodeSystem', ctx.written?.deletedUrls?.('CodeSystem') ?? [], kommunekode));
}

import type { ConceptMap, Resource } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { unknownConceptMap } from '../../errors/common-errors';
import type { Bilingual } from '../../errors/issue';
import { excerpt } from '../../errors/excerpt';
import type { OperationInput } from '../../fhir/parameters';
import { belongsTo, ownerOf } from '../../municipal/municipality';
import { parseCanonical } from '../../terminology/canonical';
import { assertConceptMapShape } from '../../terminology/resource-shape';
import type { TerminologyRegistry } from '../../terminology/registry';
import { CONCEPT_MAPS_KIND } from '../../terminology/resource-kinds';
import { versionMatches } from '../../terminology/versions';
import { instanceAtVersion, versionAsked } from '../instance-version';
import { fits, groupScopeOf, type Candidate } from './group-scope';
import { canonicalOf, capitalized, mapNamed } from './map-names';
import type { TranslateQuery } from './query';

/** The maps a $translate request translates with: the one it names (by url, instance or inline), else every map that fits it. */

/**
 * The maps to translate with, each with the groups that answer: the one asked for, else every map (of `version` when
 * given), when it fits the request's `source` and `target` (R4: conditions that must hold for a map named too) and
 * belongs to its `kommunekode`.
 */
export function candidateMaps(
  input: OperationInput, registry: TerminologyRegistry, query: TranslateQuery, explicit?: ConceptMap, inForce?: InForce, version?: string, deletedUrls: readonly string[] = [],
): Candidate[] {
  if (explicit) {
    if (anothersMap(explicit, query.kommunekode)) return [];
    const scope = groupScopeOf(explicit, query);
    return fits(scope) ? [{ map: explicit, scope }] : [];
  }
  const fromRequest = input.all<Resource>('tx-resource').filter((r): r is ConceptMap => r.resourceType === 'ConceptMap');
  // on a date, the request's own maps are taken in their version of then too, by the listing below (one without a url has no other versions)
  const all = version !== undefined ? fromRequest.filter((cm) => versionMatches(version, cm.version)) : inForce ? fromRequest.filter((cm) => !cm.url) : [...fromRequest];
  // each map as an unversioned reference to its url means it (a draft next version does not replace the one in use), or the version in force on `date`
  for (const listed of registry.list('ConceptMap', { within: CONCEPT_MAPS_KIND })) {
    const cm = version !== undefined ? (listed.url ? registry.find('ConceptMap', listed.url, version) : undefined)
      : !listed.url ? listed : inForce ? inForce(listed.url) : registry.find('ConceptMap', listed.url);
    if (cm && !all.includes(cm)) all.push(cm);
  }
  // on a date, also the maps deleted since, in their version of then
  for (const url of inForce ? deletedUrls : []) {
    const cm = inForce!(url);
    if (cm && !all.includes(cm)) all.push(cm);
  }
  return all.flatMap((map) => {
    if (query.kommunekode && !belongsTo(map, query.kommunekode)) return [];
    const scope = groupScopeOf(map, query);
    return fits(scope) ? [{ map, scope }] : [];
  });
}

/** A map of a municipality other than the request's `kommunekode` (a map of no municipality, the request's own too, is nobody else's). */
export function anothersMap(cm: ConceptMap, kommunekode: string | undefined): string | undefined {
  if (kommunekode === undefined || belongsTo(cm, kommunekode)) return undefined;
  return ownerOf(cm);
}

/** Why the map the request names does not answer: the scopes of the request it does not fit. */
export function scopeMismatch(cm: ConceptMap, query: TranslateQuery): Bilingual {
  const scope = groupScopeOf(cm, query);
  const forward = query.direction === 'forward';
  const given = [
    ...(scope.source === null ? [`source ${excerpt(forward ? query.givenScope : query.answerScope)}`] : []),
    ...(scope.target === null ? [`target ${excerpt(forward ? query.answerScope : query.givenScope)}`] : []),
  ];
  return {
    en: `the scope of ${mapNamed(cm).en} does not match the request's ${given.join(' and ')}`,
    da: `${capitalized(mapNamed(cm).da)} dækker ikke forespørgslens ${given.join(' og ')}`,
  };
}

/** The version of the map of this url in force on the request's `date` (undefined when no version was in use yet). */
export type InForce = (url: string) => ConceptMap | undefined;

const dateWithVersion = (): FhirError => FhirError.invalid("Give either 'date' or a map version (conceptMapVersion, url|version), not both", {
  expression: ['date'], da: "Giv enten 'date' eller en version af ConceptMap'en (conceptMapVersion, url|version), ikke begge",
});

/** conceptMapVersion given without a map (no url, instance or inline conceptMap): every map of that version is a candidate. */
export function versionOfAllMaps(input: OperationInput, target: ConceptMap | undefined, inForce: InForce | undefined): string | undefined {
  const version = input.string('conceptMapVersion');
  if (version === undefined || target || input.has('url') || input.has('conceptMap')) return undefined;
  if (inForce) throw dateWithVersion();
  return version;
}

export function noMapOfVersion(version: string): FhirError {
  return FhirError.notFound(`No ConceptMap of version '${excerpt(version)}' fits the request`, {
    txIssueType: 'not-found', expression: ['conceptMapVersion'], da: `Ingen ConceptMap i version '${excerpt(version)}' passer til forespørgslen`,
  });
}

/** The parameters that name a map and its version. */
const MAP_VERSION = { url: 'url', version: 'conceptMapVersion' };

export function explicitMap(input: OperationInput, registry: TerminologyRegistry, target?: ConceptMap, inForce?: InForce): ConceptMap | undefined {
  if (target) {
    const version = versionAsked(input, target, MAP_VERSION);
    if (!inForce) return instanceAtVersion(registry, target, version, 'conceptMapVersion');
    if (version !== undefined) throw dateWithVersion();
    const then = target.url ? inForce(target.url) : undefined;
    if (!then) {
      throw FhirError.notFound(`${canonicalOf(target)} had no version in force on ${input.string('date')}`, {
        expression: ['date'], da: `${canonicalOf(target)} havde ingen gældende version den ${input.string('date')}`,
      });
    }
    return then;
  }
  const inline = input.one<Resource>('conceptMap');
  if (inline && inForce) {
    throw FhirError.invalid("'date' picks a stored map's version; it cannot be used with an inline 'conceptMap'", {
      expression: ['date'], da: "'date' vælger en version af en gemt ConceptMap; den kan ikke bruges sammen med en medsendt 'conceptMap'",
    });
  }
  if (inline) {
    if (inline.resourceType !== 'ConceptMap') {
      throw FhirError.invalid(`conceptMap must be a ConceptMap, not ${inline.resourceType}`, {
        expression: ['conceptMap'], da: `conceptMap skal være en ConceptMap, ikke ${inline.resourceType}`,
      });
    }
    assertConceptMapShape(inline as ConceptMap);
    return inline as ConceptMap;
  }
  const url = input.string('url');
  if (!url) return undefined;
  const { url: u } = parseCanonical(url);
  const wanted = versionAsked(input, undefined, MAP_VERSION);
  if (inForce) {
    if (wanted) throw dateWithVersion();
    // a map deleted since was in force before its delete: its versions are kept by url|version
    if (registry.versions('ConceptMap', u, true).length === 0) throw unknownConceptMap(u, 'url');
    const then = inForce(u);
    if (!then) {
      throw FhirError.notFound(`No version of ConceptMap '${excerpt(u)}' was in force on ${input.string('date')}`, {
        expression: ['date'], da: `Ingen version af ConceptMap '${excerpt(u)}' var gældende den ${input.string('date')}`,
      });
    }
    return then;
  }
  const fromRequest = input.all<Resource>('tx-resource')
    .filter((r): r is ConceptMap => r.resourceType === 'ConceptMap')
    .filter((r) => r.url === u && (!wanted || versionMatches(wanted, r.version)));
  const cm = fromRequest[fromRequest.length - 1] ?? registry.find('ConceptMap', u, wanted);
  if (!cm) throw unknownConceptMap(`${u}${wanted ? `|${wanted}` : ''}`, 'url');
  return cm;
}

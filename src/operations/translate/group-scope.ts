import type { ConceptMap, ConceptMapGroup } from 'fhir/r4';
import { listOf } from '../../fhir/json-object';
import { parseCanonical } from '../../terminology/canonical';
import { versionMatches } from '../../terminology/versions';
import type { TranslateQuery } from './query';

/** Whether the version a request gives is the one a map states, by the one version rule (`1.0` is `1.0.2`); either absent, any. */
export function versionCompatible(requested: string | undefined, stated: string | undefined): boolean {
  return !requested || !stated || versionMatches(requested, stated);
}

/** Whether a canonical the request gives names the one a map states: the same url, and compatible versions. */
function canonicalMatches(asked: string | undefined, stated: string | undefined): boolean {
  if (!asked || !stated) return false;
  const a = parseCanonical(asked);
  const s = parseCanonical(stated);
  return a.url === s.url && versionCompatible(a.version, s.version);
}

/**
 * Which of a map's groups answer for the request's `source` and `target`, each side of the map: undefined, every group
 * (no scope given, or it names the map's value set, sourceUri/targetUri); a system, only the groups of that system (the
 * scope names a code system, this server's convenience); null, the map does not fit the scope given.
 */
export interface GroupScope {
  source: string | undefined | null;
  target: string | undefined | null;
}

export const EVERY_GROUP: GroupScope = { source: undefined, target: undefined };

function sideScope(scope: string | undefined, mapScope: string | undefined, groupSystems: (string | undefined)[]): string | undefined | null {
  if (!scope || canonicalMatches(scope, mapScope)) return undefined;
  return groupSystems.some((s) => canonicalMatches(scope, s)) ? scope : null;
}

export function groupScopeOf(cm: ConceptMap, query: TranslateQuery): GroupScope {
  const groups = listOf(cm.group).filter((g) => g && typeof g === 'object');
  const forward = query.direction === 'forward';
  return {
    source: sideScope(forward ? query.givenScope : query.answerScope, cm.sourceUri ?? cm.sourceCanonical, groups.map((g) => g.source)),
    target: sideScope(forward ? query.answerScope : query.givenScope, cm.targetUri ?? cm.targetCanonical, groups.map((g) => g.target)),
  };
}

export const fits = (scope: GroupScope): boolean => scope.source !== null && scope.target !== null;

export function groupInScope(group: ConceptMapGroup, scope: GroupScope): boolean {
  return (!scope.source || canonicalMatches(scope.source, group.source)) && (!scope.target || canonicalMatches(scope.target, group.target));
}

/** A map to translate with, and its groups that answer the request. */
export interface Candidate {
  map: ConceptMap;
  scope: GroupScope;
}

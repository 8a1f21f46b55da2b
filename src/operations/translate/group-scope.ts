import type { ConceptMap, ConceptMapGroup } from 'fhir/r4';
import { listOf } from '../../fhir/json-object';
import { parseCanonical } from '../../terminology/canonical';
import type { TranslateQuery } from './query';

function sameCanonical(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const pa = parseCanonical(a);
  const pb = parseCanonical(b);
  return pa.url === pb.url && (!pa.version || !pb.version || pa.version === pb.version);
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
  if (!scope || sameCanonical(scope, mapScope)) return undefined;
  return groupSystems.some((s) => sameCanonical(scope, s)) ? scope : null;
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
  return (!scope.source || sameCanonical(scope.source, group.source)) && (!scope.target || sameCanonical(scope.target, group.target));
}

/** A map to translate with, and its groups that answer the request. */
export interface Candidate {
  map: ConceptMap;
  scope: GroupScope;
}

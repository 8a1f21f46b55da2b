/**
 * The version an import without `version` writes its catalog under: every url|version ever written stays addressable
 * (README "Every written version stays addressable"), so a file with other content than the catalog's current version
 * gets the next version, and one with the same content keeps the version and its date (nothing to record again).
 */
import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { canonicalJson } from '../fhir/canonical-json';

interface Catalog {
  codeSystem: CodeSystem;
  conceptMap: ConceptMap;
}

/**
 * `next` (built with the current version, or 1.0.0 for a new catalog) as the import writes it over `existing`: with
 * the next version when its content differs from the current one's, else with the current version's date.
 */
export function withImportVersion<T extends Catalog>(next: T, existing: Partial<Catalog>): T {
  const cs0 = existing.codeSystem;
  if (!cs0?.version) return next;
  if (sameContent(next.codeSystem, cs0) && existing.conceptMap && sameContent(next.conceptMap, existing.conceptMap)) {
    return { ...next, codeSystem: { ...next.codeSystem, date: cs0.date }, conceptMap: { ...next.conceptMap, date: existing.conceptMap.date } };
  }
  return stampedVersion(next, nextVersion(cs0.version));
}

/** The version after `version`: its last number one up (1.0.0 → 1.0.1, 2 → 3, 2026-v4 → 2026-v5); `.1` added to one without a number. */
export function nextVersion(version: string): string {
  const last = /(\d+)(\D*)$/.exec(version);
  if (!last) return `${version}.1`;
  return `${version.slice(0, last.index)}${(BigInt(last[1]!) + 1n).toString()}${last[2]}`;
}

function stampedVersion<T extends Catalog>(next: T, version: string): T {
  const url = next.codeSystem.url;
  const group = (next.conceptMap.group ?? []).map((g) => (g.source === url ? { ...g, sourceVersion: version } : g));
  return { ...next, codeSystem: { ...next.codeSystem, version }, conceptMap: { ...next.conceptMap, version, group } };
}

/** Whether two versions of a catalog resource say the same, whatever their version, date, meta and order of keys. */
function sameContent(a: CodeSystem | ConceptMap, b: CodeSystem | ConceptMap): boolean {
  return canonicalJson(comparable(a)) === canonicalJson(comparable(b));
}

function comparable(r: CodeSystem | ConceptMap): unknown {
  const { version: _v, date: _d, meta: _m, ...rest } = r;
  if (rest.resourceType !== 'ConceptMap') return rest;
  return { ...rest, group: (rest.group ?? []).map(({ sourceVersion: _s, ...g }) => g) };
}

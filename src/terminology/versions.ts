import { compareVersions, parseCanonical } from './canonical';
import type { Language } from '../errors/issue';

/**
 * Version semantics for canonical references (FHIR `versionAlgorithm`): how a requested version — which may carry
 * `x`/`X`/`*` wildcards — matches the version of a resource, and how versions are presented in messages.
 */

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const SEMVER_WILDCARDS = /^(0|[1-9]\d*|[xX*])\.(0|[1-9]\d*|[xX*])(\.(0|[1-9]\d*|[xX*]))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const DATE = /^\d{4}(-?(0[1-9]|1[0-2])(-?(0[1-9]|[12]\d|3[01]))?)?$/;

export type VersionAlgorithm = 'semver' | 'integer' | 'date' | 'natural';

export function isSemVer(version: string, allowWildcards = false): boolean {
  return (allowWildcards ? SEMVER_WILDCARDS : SEMVER).test(version);
}

/** Guesses how a version is formatted, as FHIR's `versionAlgorithm` would state it. */
export function guessVersionAlgorithm(version: string): VersionAlgorithm | undefined {
  if (version === '') return undefined;
  if (/^\d+$/.test(version)) return 'integer';
  if (DATE.test(version)) return 'date';
  if (/^[^.]+\.[^.]+\.[^.]+$/.test(version) && isSemVer(version, true)) return 'semver';
  if (/\d/.test(version)) return 'natural';
  return undefined;
}

function mainParts(version: string): string[] {
  return version.replace(/[+-].*$/, '').split('.');
}

function hasWildcard(version: string): boolean {
  return mainParts(version).some((part) => part === 'x' || part === 'X' || part === '*');
}

/** Part-by-part matching where the criteria may use wildcards and may name fewer parts than the candidate. */
function partsMatch(criteria: string, candidate: string): boolean {
  const c = mainParts(criteria);
  const v = mainParts(candidate);
  if (c.length > v.length) return false;
  return c.every((part, i) => part === 'x' || part === 'X' || part === '*' || part === v[i]);
}

/**
 * The one rule for whether a resource version (`candidate`) satisfies a requested version (`criteria`), used by every
 * operation and store: equal versions always match; `x`/`X`/`*` wildcards match any part (`2.x` → `2.3`, `2.3.0`);
 * semantic versions also match by leading parts (`1.0` → `1.0.2`); integers only match exactly; other formats
 * (dates, free text) match by a prefix that ends at a separator (`2024-05` → `2024-05-30`).
 */
export function versionMatches(criteria: string | undefined, candidate: string | undefined, algorithm?: VersionAlgorithm): boolean {
  if (criteria === candidate) return true;
  if (!criteria || !candidate) return false;
  if (hasWildcard(criteria)) return partsMatch(criteria, candidate);
  switch (algorithm ?? guessVersionAlgorithm(candidate)) {
    case 'semver': return isSemVer(criteria) && isSemVer(candidate) && partsMatch(criteria, candidate);
    case 'integer': return false;
    default: return startsWithWhole(candidate, criteria);
  }
}

/** Whether a canonical names the resource: the same url, and the version it names (none: any) by the rule above. */
export function canonicalNames(canonical: string, resource: { url?: string; version?: string }): boolean {
  const { url, version } = parseCanonical(canonical);
  return url === resource.url && (!version || versionMatches(version, resource.version));
}

/** `2024-05` is a prefix of `2024-05-30`, `1.0` of `1.0.2`; `1.0` is not one of `1.01`. */
function startsWithWhole(candidate: string, prefix: string): boolean {
  if (!candidate.startsWith(prefix)) return false;
  const next = candidate.charAt(prefix.length);
  return next === '' || /[.\-+_ ]/.test(next) || /[.\-+_ ]$/.test(prefix);
}

/** Orders versions, newest last. */
export function compareVersionsGeneral(a: string | undefined, b: string | undefined): number {
  return compareVersions(a, b);
}

/** `a`, `a or b`, `a, b and c`: versions as the terminology messages list them. */
export function presentVersionList(items: readonly string[], lang: Language = 'en'): string {
  if (items.length === 0) return '';
  if (items.length === 1) return items[0]!;
  if (items.length === 2) return `${items[0]} ${lang === 'da' ? 'eller' : 'or'} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')} ${lang === 'da' ? 'og' : 'and'} ${items[items.length - 1]}`;
}

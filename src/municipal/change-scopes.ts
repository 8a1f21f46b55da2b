import type { ChangeScopes } from '../terminology/read-tracking';
import type { TerminologyResource } from '../terminology/resource-set';
import { isKommunekode, KOMMUNE_BASE, ownerOfSystem, resourceKommunekoder } from './municipality';

/** The scope of everything not under a municipality's base URL: the common catalogs, KL's and FHIR's. */
export const COMMON_SCOPE = 'common';

/**
 * The municipality of a canonical under the municipal base (ownerOfCanonical, remembered: it runs for every canonical
 * a cached computation resolves), else the common scope; also for a url under the base not of the municipal form,
 * which names no municipality (and which no resource has: the write rules refuse it).
 */
function ofUrl(url: string | undefined): string {
  if (url === undefined || !url.startsWith(KOMMUNE_BASE)) return COMMON_SCOPE;
  return ownerOfSystem(url) ?? COMMON_SCOPE;
}

/**
 * Each municipality's resources change apart from the others' and from the common catalogs, so a write to one
 * municipality's catalog leaves what was computed from the others' (their pick lists, their maps' targets) as it was.
 * A resource counts in the scope of its URL and in that of every municipality it names by kommunekode identifier
 * (where `localCodeSystems(registry, kommunekode)` finds it); a change counts in the scopes of the old and the new
 * version.
 */
export const MUNICIPAL_SCOPES: ChangeScopes = {
  ofUrl,
  ofResource(resource: TerminologyResource): string[] {
    const scopes = [ofUrl(resource.url)];
    for (const k of resourceKommunekoder(resource)) if (!scopes.includes(k)) scopes.push(k);
    return scopes;
  },
  has: (scope) => scope === COMMON_SCOPE || isKommunekode(scope),
};

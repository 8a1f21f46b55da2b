import type { RuleIssue } from '../municipal/rule-issues';
import { WRITABLE_TYPES } from '../store/store-support';
import type { ResourceSet, TerminologyType } from '../terminology/resource-set';

/** KL's namespaces: its OID arc (urn:oid:1.2.208.176…, FSIII and FFB among them) and its domain (fhir.kl.dk, …). */
const KL_CANONICAL = /^(?:urn:oid:1\.2\.208\.176(?:\.|$)|https?:\/\/(?:[a-z0-9-]+\.)*kl\.dk(?:[/:?]|$))/i;

export function isKlCanonical(url: string): boolean {
  return KL_CANONICAL.test(url);
}

/**
 * The published catalogs (terminology/: KL's and ours) change only when they are published, never through the write
 * API: no version of a canonical they carry (as any resource type), nor of any canonical in KL's namespaces, can be
 * written — a new "version 99" of FSIII would otherwise become the version every unversioned request gets.
 */
export function publishedCanonicalIssue(type: TerminologyType, url: string, published: ResourceSet): RuleIssue | undefined {
  const kl = isKlCanonical(url);
  if (!kl && !WRITABLE_TYPES.some((t) => published.versions(t, url).length > 0)) return undefined;
  const da = kl ? "KL's publicerede kataloger" : 'et publiceret katalog';
  const en = kl ? "KL's published catalogs" : 'a published catalog';
  return {
    severity: 'error',
    code: 'business-rule',
    text: {
      en: `${url} is a canonical of ${en}: it changes only when the catalog is published (terminology/), never through the write API, so no version of it can be written here`,
      da: `${url} er kanonisk URL for ${da}: den ændres kun, når kataloget publiceres (terminology/), aldrig gennem skrive-API'et, så ingen version af den kan skrives her.`,
    },
    expression: [`${type}.url`],
  };
}

import { excerpt } from '../errors/excerpt';
import { danishReason, FhirError } from '../errors/fhir-error';
import { parseQueryString } from '../fhir/query-string';
import { refuseSelectingNothing } from '../fhir/search';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyType } from '../terminology/resource-set';
import { findTerminology, TERMINOLOGY_SEARCH_PARAMS } from '../terminology/search';
import { entryIssue, type WrittenEntry } from './bundle-references';
import type { EntryIssue } from './writer';

/** A conditional reference (R4 http.html#trules): `[type]?[search parameters]`, relative to the FHIR base. */
const CONDITIONAL = /^([A-Za-z]+)\?(.*)$/s;
/** The matches a refusal for several names. */
const NAMED_MATCHES = 5;

/** What one conditional reference comes to: the `Type/id` it is replaced with, or why it cannot be. */
type Resolution = { reference: string } | { status: 400 | 412; code: EntryIssue['code']; text: { en: string; da: string } };

/**
 * R4's conditional references (http.html#trules): a reference `Type?search` in a resource written is replaced by
 * `Type/id` of the one resource the server's own search finds, over `registry` (the catalogs as the write leaves
 * them). None or several is 412, a search of a type the server does not search (only CodeSystem, ValueSet and
 * ConceptMap), or one it refuses, 400: the status and an issue for every such reference, for a refusal of the write.
 */
export function resolveConditionalReferences(entries: readonly WrittenEntry[], registry: TerminologyRegistry): { status: 400 | 412; issues: EntryIssue[] } | undefined {
  const resolved = new Map<string, Resolution>();
  const refused: { status: 400 | 412; issue: EntryIssue }[] = [];
  for (const e of entries) {
    for (const { holder, path } of e.references) {
      const m = CONDITIONAL.exec(holder.reference);
      if (!m) continue;
      let r = resolved.get(holder.reference);
      if (!r) resolved.set(holder.reference, (r = resolve(m[1]!, m[2]!, excerpt(holder.reference), registry)));
      if ('reference' in r) holder.reference = r.reference;
      else refused.push({ status: r.status, issue: entryIssue(e, path, r.code, r.text) });
    }
  }
  if (refused.length === 0) return undefined;
  // what the client must change in its request first; a search that found the wrong number, once the rest is right
  const status = refused.some((x) => x.status === 400) ? 400 : 412;
  return { status, issues: refused.filter((x) => x.status === status).map((x) => x.issue) };
}

function resolve(type: string, search: string, named: string, registry: TerminologyRegistry): Resolution {
  if (!Object.hasOwn(TERMINOLOGY_SEARCH_PARAMS, type)) {
    return {
      status: 400, code: 'not-supported', text: {
        en: `The conditional reference '${named}' searches ${excerpt(type)}; this server resolves conditional references to CodeSystem, ValueSet and ConceptMap only`,
        da: `Den betingede reference '${named}' søger efter ${excerpt(type)}; serveren slår kun betingede referencer op i CodeSystem, ValueSet og ConceptMap`,
      },
    };
  }
  let matches: { id?: string }[];
  try {
    const parameters = parseQueryString(search);
    refuseSelectingNothing(parameters);
    matches = findTerminology(registry, type as TerminologyType, parameters);
  } catch (e) {
    if (!(e instanceof FhirError) || e.status >= 500) throw e;
    return {
      status: 400, code: e.code, text: {
        en: `The conditional reference '${named}' is not a search this server can make: ${e.message}`,
        da: `Den betingede reference '${named}' er ikke en søgning, serveren kan udføre: ${danishReason(e) ?? e.message}`,
      },
    };
  }
  if (matches.length === 1) return { reference: `${type}/${matches[0]!.id}` };
  if (matches.length === 0) {
    return {
      status: 412, code: 'not-found', text: {
        en: `The conditional reference '${named}' matches no ${type}; it must match exactly one`,
        da: `Den betingede reference '${named}' passer ikke på nogen ${type}; den skal passe på præcis én`,
      },
    };
  }
  const ids = matches.slice(0, NAMED_MATCHES).map((r) => `${type}/${r.id}`).join(', ') + (matches.length > NAMED_MATCHES ? ', …' : '');
  return {
    status: 412, code: 'multiple-matches', text: {
      en: `The conditional reference '${named}' matches ${matches.length} resources (${ids}); it must match exactly one: narrow the search (a url with its version, for one version)`,
      da: `Den betingede reference '${named}' passer på ${matches.length} ressourcer (${ids}); den skal passe på præcis én: gør søgningen snævrere (en url med dens version, for én version)`,
    },
  };
}

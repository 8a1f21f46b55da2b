import { excerpt } from '../errors/excerpt';
import { danishReason, FhirError } from '../errors/fhir-error';
import { parseQueryString } from '../fhir/query-string';
import { refuseSelectingNothing } from '../fhir/search';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { findTerminology } from '../terminology/search';

/** The matches a refusal names. */
const NAMED_MATCHES = 5;

/** What a conditional write's search is, for its messages: the header or element that holds it, or the URL's query. */
export interface ConditionalSearch {
  type: TerminologyType;
  /** The search's query (`url=…&version=…`); a leading `?` or `Type?` is read too. */
  search: string;
  interaction: 'create' | 'update' | 'delete';
  /** `If-None-Exist`, `Bundle.entry[2].request.ifNoneExist`; absent for the URL's query of a conditional update or delete. */
  where?: string;
}

/** A search's query as a person reads it in a message: percent-encoding decoded where it can be, `+` a space. */
export function readableSearch(search: string): string {
  try {
    return excerpt(decodeURIComponent(search.replace(/\+/g, ' ')));
  } catch {
    return excerpt(search);
  }
}

/**
 * R4's conditional create, update and delete (http.html#ccreate, #cond-update, #cdelete): the one resource the search
 * finds, made as the server's own search of the type over the catalogs it serves (published and written), or
 * undefined when it finds none; 412 when it finds several, 400 for a search the server cannot make.
 */
export function conditionalMatch(registry: TerminologyRegistry, { type, search, interaction, where }: ConditionalSearch): TerminologyResource | undefined {
  const query = search.startsWith(`${type}?`) ? search.slice(type.length + 1) : search.startsWith('?') ? search.slice(1) : search;
  const named = readableSearch(search);
  const label = where === undefined ? { en: `The search '${named}'`, da: `Søgningen '${named}'` } : { en: `${where} '${named}'`, da: `${where} '${named}'` };
  let matches: TerminologyResource[];
  try {
    // result parameters (the answer's format, which the URL of a conditional update or delete may carry, too) select nothing
    const parameters = parseQueryString(query);
    refuseSelectingNothing(parameters);
    matches = findTerminology(registry, type, parameters);
  } catch (e) {
    if (!(e instanceof FhirError) || e.status >= 500) throw e;
    throw FhirError.invalid(`${label.en} is not a search this server can make: ${e.message}`, {
      ...(where ? { expression: [where] } : {}), da: `${label.da} er ikke en søgning, serveren kan udføre: ${danishReason(e) ?? e.message}`,
    });
  }
  if (matches.length <= 1) return matches[0];
  const ids = matches.slice(0, NAMED_MATCHES).map((r) => `${type}/${r.id}`).join(', ') + (matches.length > NAMED_MATCHES ? ', …' : '');
  const da = { create: 'oprettelse', update: 'opdatering', delete: 'sletning' }[interaction];
  throw new FhirError(412, 'multiple-matches', `${label.en} matches ${matches.length} resources (${ids}); a conditional ${interaction} needs a search that matches one at most`, {
    ...(where ? { expression: [where] } : {}),
    da: `${label.da} passer på ${matches.length} ressourcer (${ids}); en betinget ${da} kræver en søgning, der højst passer på én`,
  });
}

import { excerpt } from '../errors/excerpt';
import { danishReason, FhirError } from '../errors/fhir-error';
import { parseQueryString } from '../fhir/query-string';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { findTerminology } from '../terminology/search';

/** The matches a refusal names. */
const NAMED_MATCHES = 5;

/**
 * R4's conditional create (http.html#ccreate): `If-None-Exist` holds a search (`url=…&version=…`), made as the server's
 * own search of `type` over the catalogs it serves (published and written). None: the create goes ahead; one: it is
 * not made, and that resource is the answer; several: 412. A search the server cannot make is 400. `where`: the
 * header, or a transaction entry's `request.ifNoneExist`.
 */
export function conditionalCreateMatch(registry: TerminologyRegistry, type: TerminologyType, ifNoneExist: string, where: string): TerminologyResource | undefined {
  const named = excerpt(ifNoneExist);
  // the header holds the query of a search; a client may send it with its `?` or as `Type?query`
  const search = ifNoneExist.startsWith(`${type}?`) ? ifNoneExist.slice(type.length + 1) : ifNoneExist.startsWith('?') ? ifNoneExist.slice(1) : ifNoneExist;
  let query: Record<string, unknown>;
  let matches: TerminologyResource[];
  try {
    query = parseQueryString(search);
    if (Object.keys(query).length === 0) {
      throw FhirError.invalid('it names no search parameter', { da: 'den nævner ingen søgeparameter' });
    }
    matches = findTerminology(registry, type, query);
  } catch (e) {
    if (!(e instanceof FhirError) || e.status >= 500) throw e;
    throw FhirError.invalid(`${where} '${named}' is not a search this server can make: ${e.message}`, {
      expression: [where], da: `${where} '${named}' er ikke en søgning, serveren kan udføre: ${danishReason(e) ?? e.message}`,
    });
  }
  if (matches.length <= 1) return matches[0];
  const ids = matches.slice(0, NAMED_MATCHES).map((r) => `${type}/${r.id}`).join(', ') + (matches.length > NAMED_MATCHES ? ', …' : '');
  throw new FhirError(412, 'multiple-matches', `${where} '${named}' matches ${matches.length} resources (${ids}); a conditional create needs a search that matches one at most`, {
    expression: [where],
    da: `${where} '${named}' passer på ${matches.length} ressourcer (${ids}); en betinget oprettelse kræver en søgning, der højst passer på én`,
  });
}

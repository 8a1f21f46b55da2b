import { FormParameters, parseQueryString, withForm } from '../fhir/query-string';
import type { CallInput } from './invoke';

/**
 * Where an operation call's parameters come from, one rule for the HTTP route and a batch entry: a JSON body on POST
 * (a Parameters resource, read together with the query's parameters, or the resource of an operation with
 * `resourceParameter`, beside the query's); a form POSTed (application/x-www-form-urlencoded) read as more of the
 * query; otherwise (GET, or POST without a body) the query. The same request therefore answers the same, sent alone
 * or as a batch entry.
 */
export function callInput(method: string, body: unknown, query: Record<string, unknown>, search: string): CallInput {
  if (body instanceof FormParameters) {
    const all = withForm(search, body);
    return { query: parseQueryString(all), search: all };
  }
  if (method === 'POST' && body !== null && typeof body === 'object' && Object.keys(body).length > 0) return { body, query };
  return { query, search };
}

import querystring from 'node:querystring';

/**
 * A URL's query as name → value(s), every parameter of it: node's parser stops at 1,000 by default and drops the rest
 * without a word, so a code given after 1,000 other parameters was not seen. The request line's size limit
 * (MAX_HEADER_BYTES) bounds the work. The one query parser of the app, the lean adapter and batch entries.
 */
export function parseQueryString(search: string): Record<string, string | string[]> {
  return querystring.parse(search, '&', '=', { maxKeys: 0 }) as Record<string, string | string[]>;
}

/** The parameters of a search or an operation POSTed as a form (application/x-www-form-urlencoded), as their text. */
export class FormParameters {
  constructor(readonly text: string) {}
}

/**
 * The query of a request whose body may be a form: FHIR reads a POSTed search's (and operation's) parameters from
 * the URL and the form together, so the form's parameters follow the URL's as if they were one query string.
 */
export function withForm(search: string, body: unknown): string {
  if (!(body instanceof FormParameters) || body.text === '') return search;
  return search === '' ? body.text : `${search}&${body.text}`;
}

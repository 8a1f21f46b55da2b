import { isUtf8 } from 'node:buffer';
import querystring from 'node:querystring';
import { FhirError } from '../errors/fhir-error';

/**
 * A URL's query as name → value(s), every parameter of it: node's parser stops at 1,000 by default and drops the rest
 * without a word, so a code given after 1,000 other parameters was not seen. The request line's size limit
 * (MAX_HEADER_BYTES) bounds the work. The one query parser of the app, the lean adapter and batch entries.
 */
export function parseQueryString(search: string): Record<string, string | string[]> {
  notUtf8 = false;
  const parsed = querystring.parse(search, '&', '=', { maxKeys: 0, decodeURIComponent: decodeStrictly }) as Record<string, string | string[]>;
  if (notUtf8) {
    throw FhirError.invalid('The query has percent-encoded bytes that are not UTF-8', { da: 'Forespørgslen har procent-kodede bytes, som ikke er UTF-8' });
  }
  return parsed;
}

/** Set by decodeStrictly during one parse (querystring.parse catches what its decoder throws). */
let notUtf8 = false;

/**
 * Percent-decoding as node's (a `%` not followed by two hex digits stays as it is), noting bytes that are not UTF-8
 * so that the query is refused (400) instead of read with U+FFFD: `code=%ED%A0%80` would otherwise be looked up as a
 * code the client never sent.
 */
function decodeStrictly(text: string): string {
  if (!text.includes('%')) return text; // querystring has made each '+' a '%20' already
  try {
    return decodeURIComponent(text);
  } catch {
    const bytes = percentDecoded(text);
    if (!isUtf8(bytes)) notUtf8 = true;
    return bytes.toString('utf8');
  }
}

/** The bytes `text` stands for: each `%` and two hex digits one byte, everything else its UTF-8. */
function percentDecoded(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 0x25 && i + 2 < raw.length ? raw.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = raw[i]!;
    }
  }
  return out.subarray(0, n);
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

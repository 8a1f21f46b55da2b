import { TextDecoder } from 'node:util';
import { excerpt } from '../errors/excerpt';
import { notAResourceBody } from '../errors/common-errors';
import { FhirError } from '../errors/fhir-error';
import { formatName, mediaTypeParameters } from '../fhir/fhir-format';
import { binaryResource } from './context';
import { FormParameters, parseQueryString, withForm } from '../fhir/query-string';
import type { CallInput } from './invoke';

/**
 * Where an operation call's parameters come from, one rule for the HTTP route and a batch entry: a JSON body on POST
 * (a Parameters resource, read together with the query's parameters, or the resource of an operation with
 * `resourceParameter`, beside the query's); a form POSTed (application/x-www-form-urlencoded) read as more of the
 * query; a text/csv body POSTed (its bytes) as the csv, in the charset `contentType` names; a body of another media
 * type (read as bytes for an operation with `binaryBody`) as a FHIR Binary; otherwise (GET, or POST
 * without a body) the query. The same request therefore answers the same, sent alone or as a batch entry.
 */
export function callInput(method: string, body: unknown, query: Record<string, unknown>, search: string, contentType?: string): CallInput {
  if (body instanceof FormParameters) {
    const all = withForm(search, body);
    return { query: parseQueryString(all), search: all };
  }
  if (method === 'POST' && Buffer.isBuffer(body)) {
    const type = formatName(contentType ?? '');
    if (type === 'text/csv') return { csv: csvText(body, contentType), query };
    // a body in a media type of its own (an operation with binaryBody) is the Binary FHIR makes of such content
    return { body: binaryResource(type, [body]), query };
  }
  // an array is no resource, not a Parameters without parameters
  if (method === 'POST' && Array.isArray(body)) throw notAResourceBody({ en: 'an array', da: 'en liste' });
  if (method === 'POST' && body !== null && typeof body === 'object' && Object.keys(body).length > 0) return { body, query };
  return { query, search };
}

/** The encoding a byte order mark at the start of the bytes names (the Encoding Standard's BOM sniffing). */
function byteOrderMark(body: Buffer): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/** Where a CSV's bytes came with the charset they are read in: a text/csv request body, or an attachment (its contentType). */
export type CsvBytesFrom = 'body' | 'attachment';

const CSV_FROM = {
  body: { status: 415, of: { en: 'the text/csv body', da: 'text/csv-kroppen' }, named: { en: 'the Content-Type', da: 'Content-Type' } },
  attachment: { status: 400, of: { en: 'the attachment', da: 'vedhæftningen' }, named: { en: "the attachment's contentType", da: 'vedhæftningens contentType' } },
} as const;

/**
 * The text of CSV bytes in the charset `contentType` names (UTF-8 when it names none), a leading byte order mark
 * dropped: a `text/csv` body, or an attachment with its contentType. Bytes that are not text in that charset are
 * refused, not read as U+FFFD: a Danish spreadsheet saved as "CSV (semikolonsepareret)" is Windows-1252, and its æ, ø
 * and å would all become the same character. A byte order mark outweighs the named charset, as in the Encoding
 * Standard's decode: an integration that names windows-1252 for every file sent a "CSV UTF-8" file's first column as
 * "ï»¿kommunekode", and its æøå as "Ã¦Ã¸Ã¥".
 */
export function csvText(body: Buffer, contentType: string | undefined, from: CsvBytesFrom = 'body'): string {
  const { status, of, named: where } = CSV_FROM[from];
  const marked = byteOrderMark(body);
  const charset = marked ?? mediaTypeParameters(contentType ?? '').get('charset') ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new FhirError(status, status === 415 ? 'not-supported' : 'invalid', `The charset ${excerpt(charset, 40)} of ${of.en} is not one the server reads`, {
      expression: from === 'attachment' ? ['csv'] : undefined, da: `Tegnsættet ${excerpt(charset, 40)} i ${of.da} kan serveren ikke læse`,
    });
  }
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    const named = /^utf-?8$/i.test(charset) ? 'UTF-8' : charset;
    if (marked) {
      // naming another charset does not help: the mark decides
      throw FhirError.invalid(`The CSV begins with a ${named} byte order mark but is not ${named} text; save it again as UTF-8 (in Excel: "CSV UTF-8")`, {
        expression: ['csv'],
        da: `CSV-filen begynder med et ${named}-byte order mark, men er ikke ${named}-tekst; gem den igen som UTF-8 (i Excel: "CSV UTF-8 (kommasepareret)")`,
      });
    }
    throw FhirError.invalid(`The CSV is not ${named} text; save it as UTF-8 (in Excel: "CSV UTF-8"), or name its charset in ${where.en} (text/csv; charset=windows-1252)`, {
      expression: ['csv'],
      da: `CSV-filen er ikke ${named}-tekst; gem den som UTF-8 (i Excel: "CSV UTF-8 (kommasepareret)"), eller angiv dens tegnsæt i ${where.da} (text/csv; charset=windows-1252)`,
    });
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

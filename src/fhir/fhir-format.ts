import Negotiator from 'negotiator';
import { FhirError } from '../errors/fhir-error';
import { excerpt } from '../errors/excerpt';

/** The FHIR version this server speaks, as the `fhirVersion` media type parameter names it (http.html#version-parameter). */
export const SERVED_FHIR_VERSION = '4.0';

/** A media type's parameters (`; name=value`), names in lower case, quotes taken off the values. */
export function mediaTypeParameters(mediaType: string): Map<string, string> {
  const out = new Map<string, string>();
  const pieces = mediaType.split(';');
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const value = piece.slice(eq + 1).trim();
    out.set(piece.slice(0, eq).trim().toLowerCase(), value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return out;
}

/** Whether a format (a media type or `_format`'s short name) is one of FHIR's this server does not write: XML, Turtle. */
export function isOtherFormat(format: string): boolean {
  return /xml|turtle|ttl/i.test(format);
}

/** Whether a fhirVersion parameter's value is the version served: 4.0, or an R4 release such as 4.0.1. */
export function isServedVersion(value: string): boolean {
  return value === SERVED_FHIR_VERSION || value.startsWith(`${SERVED_FHIR_VERSION}.`);
}

/** 415 or 406 for a fhirVersion other than R4 named where the request names a format (a header, or `_format`). */
export function otherVersion(status: 406 | 415, where: 'Content-Type' | 'Accept' | '_format', value: string): FhirError {
  const named = `fhirVersion=${excerpt(value, 20)}`;
  return new FhirError(status, 'not-supported',
    `${where === 'Content-Type' ? 'The Content-Type' : where} names ${named}; this server serves FHIR R4 only (fhirVersion=${SERVED_FHIR_VERSION})`,
    { da: `${where} angiver ${named}; serveren understøtter kun FHIR R4 (fhirVersion=${SERVED_FHIR_VERSION})` });
}

/**
 * The formats of a table (an operation's answer as CSV or NDJSON, src/http/pipeline/table-send.ts), by `_format`'s
 * short name and by media type; elsewhere the answer to them is JSON.
 */
export type TableFormat = 'csv' | 'ndjson';

export const TABLE_FORMATS: ReadonlyMap<string, TableFormat> = new Map([
  ['csv', 'csv'], ['text/csv', 'csv'], ['ndjson', 'ndjson'], ['application/x-ndjson', 'ndjson'], ['application/ndjson', 'ndjson'], ['application/fhir+ndjson', 'ndjson'],
]);

/** A format's name or media type without its parameters, in lower case. */
export function formatName(format: string): string {
  return format.split(';')[0]!.trim().toLowerCase();
}

/** The table format `_format` names (`csv`, `text/csv; header=present` …), or undefined for another. */
export function tableFormatOf(format: string): TableFormat | undefined {
  return TABLE_FORMATS.get(formatName(format));
}

/**
 * `_format=csv` (or ndjson) named where the answer is no table (R4 http.html: `_format` overrides Accept, and a format
 * the server cannot write is 406): `subject` is what answers, as the message names it (`$lookup`, or the request).
 * An Accept header preferring CSV is negotiation: it gets JSON.
 */
export function refuseTableFormat(format: unknown, subject: { en: string; da: string }): void {
  if (typeof format !== 'string' || tableFormatOf(format) === undefined) return;
  const named = excerpt(format);
  throw new FhirError(406, 'not-supported', `${subject.en} answers no table: _format=${named} is not a format it writes; it answers JSON (_format=json)`, {
    da: `${subject.da} svarer ikke med en tabel: _format=${named} er ikke et format, den skriver; den svarer med JSON (_format=json)`,
  });
}

/** What answers a request that is no operation call (a read, a search, metadata …), as `refuseTableFormat` names it. */
export const THIS_REQUEST = { en: 'This request', da: 'Denne forespørgsel' };

/** What a table operation can answer, FHIR JSON first: the answer to any type and to no Accept at all. */
const OFFERED = ['application/fhir+json', 'application/json', ...[...TABLE_FORMATS.keys()].filter((t) => t.includes('/'))];

/**
 * A media range without its parameters but its weight: `text/csv; charset=utf-8;q=0.5` → `text/csv;q=0.5`. The
 * offered types have no parameters, and a range with parameters (a charset, `header=present`, a fhirVersion, checked
 * before) still asks for its type; the negotiator would only match offers with the same parameters.
 */
function withWeightOnly(range: string): string {
  const [type = '', ...parameters] = range.split(';');
  const weight = parameters.find((p) => /^\s*q\s*=/i.test(p));
  return weight === undefined ? type.trim() : `${type.trim()};${weight.trim()}`;
}

/**
 * The table format a request asks for (`_format=csv|ndjson`, or the type its Accept header prefers by its quality
 * values, ties going to the range named first), or undefined for FHIR JSON. A `_format` the server does not write
 * was refused before (`checkFormatParameter`).
 */
export function requestedTableFormat(format: unknown, accept: string | undefined): TableFormat | undefined {
  if (typeof format === 'string') return tableFormatOf(format);
  if (typeof accept !== 'string') return undefined;
  const preferred = new Negotiator({ headers: { accept: accept.split(',').map(withWeightOnly).join(',') } }).mediaType(OFFERED);
  return preferred === undefined ? undefined : TABLE_FORMATS.get(preferred);
}

/** The JSON media types an answer is written as: FHIR's, or a generic one the request named (answerMediaType). */
export type JsonMediaType = 'application/fhir+json' | 'application/json' | 'text/json';

/** The offers of a JSON answer: FHIR's first (the answer to a wildcard), the generic types, and DSTU2's name of FHIR's. */
const JSON_OFFERED = ['application/fhir+json', 'application/json', 'text/json', 'application/json+fhir'];

/** An Accept that names a generic JSON type (`application/json`, `text/json`, not followed by `+fhir`): few do. */
const NAMES_GENERIC_JSON = /(?:^|[\s,])(?:application|text)\/json\s*(?:[;,]|$)/i;

/** Whether an Accept header leaves a format this server writes acceptable (checkAccept). */
function acceptsWhatIsWritten(accept: string): boolean {
  const ranges = accept.split(',').map(withWeightOnly).filter((r) => r.length > 0);
  if (ranges.length === 0) return true;
  const offered = [...JSON_OFFERED, ...OFFERED];
  if (new Negotiator({ headers: { accept: ranges.join(',') } }).mediaType(offered) !== undefined) return true;
  // none is acceptable: a range that matches one gave it q=0, or the Accept names only other types
  const named = ranges.map((r) => formatName(r));
  const matchesOffered = named.some((type) => offered.some((o) => type === '*/*' || type === o || (type.endsWith('/*') && o.startsWith(type.slice(0, -1)))));
  return !matchesOffered && ranges.some((r, i) => !isOtherFormat(named[i]!) && !/;q=0(?:\.0*)?$/i.test(r.replace(/\s+/g, '')));
}

/**
 * The media type a JSON answer is written as (R4 http.html, Content Types and encodings): a client that asks for a
 * generic type (`application/json`, `text/json`) is answered with it, its bytes FHIR JSON; FHIR's own type
 * otherwise, for a wildcard and for no Accept at all. `_format` (checked before) overrides Accept: the short name `json`
 * is FHIR JSON, as in R4's content-type codes. Accept's quality values decide, ties going to the range named first.
 */
export function answerMediaType(format: unknown, accept: string | undefined): JsonMediaType {
  if (typeof format === 'string') {
    const name = formatName(format);
    return name === 'application/json' || name === 'text/json' ? name : 'application/fhir+json';
  }
  if (accept === undefined || !NAMES_GENERIC_JSON.test(accept)) return 'application/fhir+json';
  const preferred = new Negotiator({ headers: { accept: accept.split(',').map(withWeightOnly).join(',') } }).mediaType(JSON_OFFERED);
  return preferred === 'application/json' || preferred === 'text/json' ? preferred : 'application/fhir+json';
}

/**
 * Whether a request for content in a media type of its own (a package archive) asks for it as the FHIR Binary
 * resource instead, as R4's Binary is read: `_format` names JSON, or Accept prefers FHIR's (or a generic) JSON type to
 * the content's own type, as a FHIR client sends it. No Accept, one of any type, or the content's own type get the content.
 */
export function wantsBinaryResource(format: unknown, accept: string | undefined, contentType: string): boolean {
  if (typeof format === 'string') return isJsonFormat(format);
  if (!accept) return false;
  const preferred = new Negotiator({ headers: { accept: accept.split(',').map(withWeightOnly).join(',') } }).mediaType([contentType, ...JSON_OFFERED]);
  return preferred !== undefined && preferred !== contentType;
}

/** Whether `_format` names JSON: `json`, `application/json`, `application/fhir+json` (its `+` read as a space too), with parameters or not. */
function isJsonFormat(format: string): boolean {
  return /^(?:json|[a-z]+\/(?:[a-z.-]+[+ ])?json)$/.test(formatName(format));
}

/**
 * `_format` of a URL's query (a request's, or a batch entry's), as the query parser gives it: once (400), and JSON
 * (a JSON media type of R4) or a table's format (406 otherwise: XML, Turtle, or a format this server does not know).
 */
export function checkFormatParameter(format: unknown): void {
  if (format === undefined) return;
  if (typeof format !== 'string') throw FhirError.invalid("'_format' may be given once", { expression: ['_format'], da: "'_format' må kun angives én gang" });
  if (isOtherFormat(format)) throw new FhirError(406, 'not-supported', 'Only JSON is supported (_format=json)', { da: 'Kun JSON understøttes (_format=json)' });
  if (!isJsonFormat(format) && !tableFormatOf(format)) {
    const named = excerpt(format, 40);
    throw new FhirError(406, 'not-supported', `_format=${named} is not a format this server writes: json (or csv, ndjson for the operations that answer tables)`, {
      da: `_format=${named} er ikke et format, serveren skriver: json (eller csv, ndjson for de operationer, der svarer med tabeller)`,
    });
  }
  const version = mediaTypeParameters(format).get('fhirversion');
  if (version !== undefined && !isServedVersion(version)) throw otherVersion(406, '_format', version);
}

/** 415 for a body said to be of another FHIR version than R4. */
export function checkContentType(contentType: string | undefined): void {
  if (!contentType) return;
  const version = mediaTypeParameters(contentType).get('fhirversion');
  if (version !== undefined && !isServedVersion(version)) throw otherVersion(415, 'Content-Type', version);
}

/**
 * 406 when Accept leaves no format this server writes acceptable: every range names XML or Turtle (`_format`'s rule)
 * or has q=0 (RFC 9110 §12.4.2: not acceptable), or the ranges that match JSON (or a table's format) give it q=0
 * (`application/fhir+json;q=0`); or when every media range that names a fhirVersion names another one and no range
 * leaves it open. An Accept that names none of these types at all (`text/plain`) is answered in JSON.
 */
export function checkAccept(accept: string | undefined): void {
  if (accept && !acceptsWhatIsWritten(accept)) {
    const asked = excerpt(accept.trim(), 80);
    throw new FhirError(406, 'not-supported', `Accept asks only for ${asked}; this server answers in JSON (application/fhir+json)`, {
      da: `Accept beder kun om ${asked}; serveren svarer i JSON (application/fhir+json)`,
    });
  }
  if (!accept || !/fhirversion/i.test(accept)) return;
  let other: string | undefined;
  for (const range of accept.split(',')) {
    const version = mediaTypeParameters(range).get('fhirversion');
    if (version === undefined || isServedVersion(version)) return;
    other ??= version;
  }
  if (other !== undefined) throw otherVersion(406, 'Accept', other);
}

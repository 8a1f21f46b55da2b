import type { NextFunction, Request, Response } from 'express';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { FhirError } from '../../errors/fhir-error';
import { invalidJsonBody, notAResourceBody } from '../../errors/common-errors';
import { excerpt } from '../../errors/excerpt';
import { parseJsonBody } from '../../fhir/json-body';
import { mediaTypeParameters } from '../../fhir/fhir-format';
import { longestParameterList } from '../../fhir/parameter-count';
import { tooManyParameters } from '../../fhir/parameters-body';
import { FormParameters } from '../../fhir/query-string';
import type { BodiesInFlight } from './bodies-in-flight';
import { contentEncoding } from './request-values';
import { formFormats } from './request-format';

const FORM = 'application/x-www-form-urlencoded';
const FHIR_JSON = 'application/fhir+json';
const ACCEPTED_BODY_TYPES = [FHIR_JSON, 'application/json', 'application/json+fhir'];

/** Largest body accepted on a request that has no use for one (GET, HEAD, DELETE, OPTIONS): small. */
export const NO_BODY_LIMIT_BYTES = 1024;

/** A body too large: answered 413, and the connection is closed so that the rest of the body is not read. */
function tooLarge(res: Response, limit: number): FhirError {
  res.setHeader('Connection', 'close');
  return new FhirError(413, 'too-long', `The request body is larger than ${limit} bytes`, { da: `Forespørgslens krop er større end ${limit} bytes` });
}

export interface BodyLimits {
  /** Largest body in bytes (BODY_LIMIT_BYTES). */
  bytes: number;
  /** Most parameters in one Parameters list (MAX_PARAMETERS). */
  parameters: number;
  /** Paths of the operations that also take a text/csv body (e.g. $rollup). */
  csvPaths?: RegExp;
  /** Paths of the operations that take a body of any media type as bytes (a package archive: binaryBody). */
  binaryPaths?: RegExp;
  /** The budget of the bodies read at once (BODIES_IN_FLIGHT_MB), shared by every reader; none, no such budget. */
  inFlight?: BodiesInFlight;
}

const bodySizes = new WeakMap<IncomingMessage, number>();

/** The size of a request's body as it was read (after its content encoding), when it had one. */
export function bodyBytesOf(req: IncomingMessage): number | undefined {
  return bodySizes.get(req);
}

/**
 * JSON body parsing for FHIR: the FHIR and plain JSON media types, a size limit, a limit on the parameters of a
 * Parameters body (so that no parameter list costs more than a bounded amount of work), and FHIR errors for bad bodies.
 */
export function fhirJsonBody(limits: BodyLimits) {
  const limitBytes = limits.bytes;
  const { csvPaths, binaryPaths } = limits;
  // operations that take a table (e.g. $rollup) get a text/csv body as bytes, under the same limit
  const readCsv = express.raw({ limit: limitBytes, type: 'text/csv' });
  const readBinary = express.raw({ limit: limitBytes, type: () => true });
  // a search or operation POSTed as a form: its text, read as more of the query (fhir/query-string.ts)
  const readForm = express.raw({ limit: limitBytes, type: FORM });
  // every JSON body is read as bytes (body-parser's limit, content encodings and errors) and parsed by parseJsonBody as
  // express.json would parse it, with FHIR's checks of the bytes (UTF-8, each name once in an object)
  const read = express.raw({ limit: limitBytes, type: ACCEPTED_BODY_TYPES });
  return (req: Request, res: Response, next: NextFunction): void => {
    const length = req.headers['content-length'];
    if (req.method === 'PATCH') {
      // no route takes a PATCH (405 for a resource, whatever its body's type): its body is not read, and the
      // connection is not kept with the body unread
      res.setHeader('Connection', 'close');
      return next();
    }
    if (req.method !== 'POST' && req.method !== 'PUT') {
      // nothing reads the body of a GET: a large one is refused at once instead of being read and thrown away
      const declared = length === undefined ? 0 : Number(length);
      if (declared > NO_BODY_LIMIT_BYTES || req.headers['transfer-encoding'] !== undefined) return next(tooLarge(res, NO_BODY_LIMIT_BYTES));
      return next();
    }
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    const unknownCoding = transferCodingNotUnderstood(req.headers['transfer-encoding']);
    if (unknownCoding !== undefined) return next(transferCodingRefused(res, unknownCoding));
    // a declared length over the limit is refused before any of the body is read (body-parser would read all of it,
    // or wait for the request's timeout when less is sent, before it reported the size)
    if (length !== undefined && Number(length) > limitBytes) return next(tooLarge(res, limitBytes));
    // a reader reports when the request has ended, which may be after the request was answered (its timeout)
    const whenRead = (then: (err?: unknown) => void) => (err?: unknown): void => {
      if (!res.headersSent) then(err);
    };
    // every reader below reads within the budget of the bodies being read at once
    const readBody = (reader: typeof read, then: (err?: unknown) => void): void => {
      // body-parser reads Content-Encoding itself: it is given the coding by the name it knows (x-gzip is gzip)
      const encoding = contentEncoding(req);
      if (req.headers['content-encoding'] !== undefined && req.headers['content-encoding'] !== encoding) req.headers['content-encoding'] = encoding;
      const measured = (err?: unknown): void => {
        if (!err && Buffer.isBuffer(req.body)) bodySizes.set(req, req.body.length);
        then(err);
      };
      if (limits.inFlight) limits.inFlight.read(req, res, reader, whenRead(measured));
      else reader(req, res, whenRead(measured));
    };
    const contentType = req.headers['content-type'] ?? '';
    const semicolon = contentType.indexOf(';');
    const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
    if (type === FORM) {
      readBody(readForm, (err) => {
        if (err) return next(bodyError(err, res, limitBytes));
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const form = isUtf8(bytes) ? new FormParameters(bytes.toString('utf8')) : undefined;
        req.body = form;
        if (!form) return next(notUtf8());
        try {
          // the form is read as its GET query would be: its _format and _pretty as the URL's
          formFormats(req, form);
        } catch (e) {
          return next(e);
        }
        next();
      });
      return;
    }
    const path = (req.url ?? '').split('?')[0]!;
    const raw = type === 'text/csv' && csvPaths?.test(path) ? readCsv
      : !ACCEPTED_BODY_TYPES.includes(type) && binaryPaths?.test(path) ? readBinary : undefined;
    if (raw) {
      readBody(raw, (err) => next(err ? bodyError(err, res, limitBytes) : undefined));
      return;
    }
    if (!ACCEPTED_BODY_TYPES.includes(type)) return next(bodyTypeNotSupported(type, csvPaths?.test(path) ? ['text/csv', FHIR_JSON] : [FHIR_JSON]));
    const done = (err?: unknown): void => {
      if (err) return next(bodyError(err, res, limitBytes));
      if (Buffer.isBuffer(req.body)) {
        if (!isUtf8(req.body)) {
          req.body = undefined;
          return next(notUtf8());
        }
        const bytes = req.body;
        try {
          req.body = parseJsonBody(bytes, limits.parameters).value;
        } catch (e) {
          req.body = undefined;
          if (e instanceof FhirError) return next(e);
          return next(notAResource(bytes) ?? bodyError(Object.assign(e as Error, { type: 'entity.parse.failed' }), res, limitBytes));
        }
      }
      const parameters = longestParameterList(req.body);
      if (parameters > limits.parameters) {
        return next(tooManyParameters(limits.parameters));
      }
      next();
    };
    // FHIR's bodies are UTF-8 (http.html, "Character Encoding"): another charset body-parser would decode (utf-16 …)
    // is refused, so that every JSON body is read, and checked, as its bytes (fhir/json-body.ts)
    const charset = mediaTypeParameters(contentType).get('charset')?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8') return next(notUtf8Charset(charset));
    readBody(read, done);
  };
}

/** 415 for a body of a media type the request cannot take (`type` without its parameters), naming those it takes. */
function bodyTypeNotSupported(type: string, taken: readonly string[] = [FHIR_JSON]): FhirError {
  const named = excerpt(type || '(none)');
  return new FhirError(415, 'not-supported', `Content-Type '${named}' is not supported; send ${taken.join(' or ')}`, {
    da: `Content-Type '${named}' understøttes ikke; send ${taken.join(' eller ')}`,
  });
}

/**
 * The body of a request that takes a resource (a create, an update, a transaction): a form, which is read for the
 * searches and operations POSTed as forms, is 415 as any other media type but FHIR's JSON.
 */
export function resourceBody(req: Request): unknown {
  if (req.body instanceof FormParameters) throw bodyTypeNotSupported(FORM);
  return req.body;
}

/** 400 for a body that is JSON but not an object or array (`null`, `42`, `"x"`): a FHIR body is a resource (an array is refused where it is read). */
function notAResource(bytes: Buffer): FhirError | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  if (value !== null && typeof value === 'object') return undefined;
  const kind = value === null ? 'null' : typeof value;
  return notAResourceBody({ en: kind, da: kind });
}

/** 415 for a JSON body in another charset than UTF-8. */
function notUtf8Charset(charset: string): FhirError {
  const named = excerpt(charset, 40);
  return new FhirError(415, 'not-supported', `The request body must be UTF-8 encoded, not '${named}' (FHIR's JSON is UTF-8)`, {
    da: `Forespørgslens krop skal være UTF-8-kodet, ikke '${named}' (FHIR's JSON er UTF-8)`,
  });
}

/** JSON.parse and a form's decoding would take invalid bytes as U+FFFD and go on with a value the client never sent. */
function notUtf8(): FhirError {
  return FhirError.invalid('The request body is not valid UTF-8', { da: 'Forespørgslens krop er ikke gyldig UTF-8' });
}

/**
 * The first transfer coding of a Transfer-Encoding other than `chunked` (which Node's parser undoes; it must be the
 * last), if any: a body sent `gzip, chunked` would otherwise be read as if it were not compressed.
 */
function transferCodingNotUnderstood(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(',').map((c) => c.trim().toLowerCase()).find((c) => c !== 'chunked' && c !== '');
}

/** 501, as RFC 9112 §6.1 has a server answer a transfer coding it does not understand; the body is left unread. */
function transferCodingRefused(res: Response, coding: string): FhirError {
  res.setHeader('Connection', 'close');
  return new FhirError(501, 'not-supported', `The transfer coding '${excerpt(coding, 40)}' is not supported: send the body chunked or with a Content-Length (compression goes in Content-Encoding)`, {
    da: `Overførselskodningen '${excerpt(coding, 40)}' understøttes ikke: send kroppen chunked eller med Content-Length (komprimering angives i Content-Encoding)`,
  });
}

/** The request's Content-Encoding (`identity` when it names none). */
function contentEncodingOf(res: Response): string {
  return res.req ? contentEncoding(res.req) : 'identity';
}

/**
 * The FHIR error for what body-parser (or parseJsonBody) reported. The Danish texts say what went wrong in Danish
 * words; the English of a library (zlib's `incorrect header check`) stays in the English text.
 */
function bodyError(err: unknown, res: Response, limitBytes: number): unknown {
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.too.large') return tooLarge(res, limitBytes);
  if (e.type === 'entity.parse.failed') return invalidJsonBody(e.message ?? '');
  // every body is read as bytes (express.raw), so a charset is not body-parser's to refuse: notUtf8Charset does
  if (e.type === 'encoding.unsupported') {
    const named = excerpt(contentEncodingOf(res));
    return new FhirError(415, 'not-supported', `The request body's Content-Encoding '${named}' is not supported: send it uncompressed, or as gzip, deflate or br`, {
      da: `Forespørgslens Content-Encoding '${named}' understøttes ikke: send kroppen ukomprimeret eller som gzip, deflate eller br`,
    });
  }
  if (e.status && e.status >= 400 && e.status < 500) {
    // body-parser's own errors have a type; one without is the decompression stream's (zlib's, brotli's)
    const encoding = contentEncodingOf(res);
    if (e.type === undefined && encoding !== 'identity') {
      const named = excerpt(encoding);
      return new FhirError(e.status, 'invalid', `The request body could not be decompressed (Content-Encoding: ${named})${e.message ? `: ${e.message}` : ''}`, {
        da: `Forespørgslens krop kan ikke pakkes ud (Content-Encoding: ${named}): den er ikke komprimeret i det format, dens Content-Encoding angiver`,
      });
    }
    return new FhirError(e.status, 'invalid', e.message ?? 'Bad request body', { da: 'Forespørgslens krop kan ikke læses' });
  }
  return err;
}

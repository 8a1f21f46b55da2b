import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../../errors/fhir-error';
import { excerpt } from '../../errors/excerpt';
import { checkFormatParameter, isOtherFormat, isServedVersion, mediaTypeParameters, otherVersion } from '../../fhir/fhir-format';

/** 415 for a body said to be of another FHIR version than R4. */
function checkContentType(req: IncomingMessage): void {
  const contentType = req.headers['content-type'];
  if (!contentType) return;
  const version = mediaTypeParameters(contentType).get('fhirversion');
  if (version !== undefined && !isServedVersion(version)) throw otherVersion(415, 'Content-Type', version);
}

/**
 * 406 when Accept asks only for formats this server does not write (XML, Turtle: `_format`'s rule), or when every
 * media range that names a fhirVersion names another one and no range leaves it open.
 */
function checkAccept(req: IncomingMessage): void {
  const accept = req.headers.accept;
  if (accept && accept.split(',').every((range) => isOtherFormat(range.split(';')[0]!))) {
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

/**
 * The formats a request asks for, checked before anything else reads it: `_format` (once, JSON), and the FHIR version
 * of Content-Type (415) and Accept (406) when they name one. Works on node:http's objects (the lean adapter runs it).
 */
export function requestFormat() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      // Express 5 parses the URL's query again at every read of req.query: read once here, kept for the routes
      const query = req.query;
      Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
      checkFormatParameter(query._format);
      checkContentType(req);
      checkAccept(req);
    } catch (e) {
      return next(e);
    }
    next();
  };
}

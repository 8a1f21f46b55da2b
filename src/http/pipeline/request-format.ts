import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../../errors/fhir-error';
import { excerpt } from '../../errors/excerpt';

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

/** Whether a fhirVersion parameter's value is the version served: 4.0, or an R4 release such as 4.0.1. */
function isServedVersion(value: string): boolean {
  return value === SERVED_FHIR_VERSION || value.startsWith(`${SERVED_FHIR_VERSION}.`);
}

/** 415 or 406 for a fhirVersion other than R4 named where the request names a format (a header, or `_format`). */
function otherVersion(status: 406 | 415, where: 'Content-Type' | 'Accept' | '_format', value: string): FhirError {
  const named = `fhirVersion=${excerpt(value, 20)}`;
  return new FhirError(status, 'not-supported',
    `${where === 'Content-Type' ? 'The Content-Type' : where} names ${named}; this server serves FHIR R4 only (fhirVersion=${SERVED_FHIR_VERSION})`,
    { da: `${where} angiver ${named}; serveren understøtter kun FHIR R4 (fhirVersion=${SERVED_FHIR_VERSION})` });
}

/** 415 for a body said to be of another FHIR version than R4. */
function checkContentType(req: IncomingMessage): void {
  const contentType = req.headers['content-type'];
  if (!contentType) return;
  const version = mediaTypeParameters(contentType).get('fhirversion');
  if (version !== undefined && !isServedVersion(version)) throw otherVersion(415, 'Content-Type', version);
}

/** 406 when every media range of Accept that names a fhirVersion names another one and no range leaves it open. */
function checkAccept(req: IncomingMessage): void {
  const accept = req.headers.accept;
  if (!accept || !/fhirversion/i.test(accept)) return;
  let other: string | undefined;
  for (const range of accept.split(',')) {
    const version = mediaTypeParameters(range).get('fhirversion');
    if (version === undefined || isServedVersion(version)) return;
    other ??= version;
  }
  if (other !== undefined) throw otherVersion(406, 'Accept', other);
}

/** `_format`: once, and JSON (or a JSON media type of R4). */
function checkFormat(req: Request): void {
  const format = req.query._format;
  if (format === undefined) return;
  if (typeof format !== 'string') throw FhirError.invalid("'_format' may be given once", { expression: ['_format'], da: "'_format' må kun angives én gang" });
  if (/xml|turtle|ttl/i.test(format)) throw new FhirError(406, 'not-supported', 'Only JSON is supported (_format=json)', { da: 'Kun JSON understøttes (_format=json)' });
  const version = mediaTypeParameters(format).get('fhirversion');
  if (version !== undefined && !isServedVersion(version)) throw otherVersion(406, '_format', version);
}

/**
 * The formats a request asks for, checked before anything else reads it: `_format` (once, JSON), and the FHIR version
 * of Content-Type (415) and Accept (406) when they name one. Works on node:http's objects (the lean adapter runs it).
 */
export function requestFormat() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      checkFormat(req);
      checkContentType(req);
      checkAccept(req);
    } catch (e) {
      return next(e);
    }
    next();
  };
}

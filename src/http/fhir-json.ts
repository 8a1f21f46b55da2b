import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { FhirError } from '../errors/fhir-error';

export const FHIR_JSON = 'application/fhir+json';

const ACCEPTED_BODY_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir'];

/** JSON body parsing for FHIR: the FHIR and plain JSON media types, a size limit, and FHIR errors for bad bodies. */
export function fhirJsonBody(limitBytes: number) {
  const parse = express.json({ limit: limitBytes, type: ACCEPTED_BODY_TYPES, strict: true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded') return next();
    if (!ACCEPTED_BODY_TYPES.includes(type)) {
      return next(new FhirError(415, 'not-supported', `Content-Type '${type || '(none)'}' is not supported; send ${FHIR_JSON}`));
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; status?: number; message?: string };
      if (e.type === 'entity.too.large') return next(new FhirError(413, 'too-long', `The request body is larger than ${limitBytes} bytes`));
      if (e.type === 'entity.parse.failed') return next(FhirError.invalid(`The request body is not valid JSON: ${e.message ?? ''}`.trim(), {}));
      if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
        return next(new FhirError(415, 'not-supported', 'The request body must be UTF-8 encoded'));
      }
      if (e.status && e.status >= 400 && e.status < 500) return next(new FhirError(e.status, 'invalid', e.message ?? 'Bad request body'));
      next(err);
    });
  };
}

export function sendResource(res: Response, status: number, resource: unknown): void {
  if (res.headersSent) return; // already answered (e.g. timed out)
  res.status(status).type(`${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(resource));
}

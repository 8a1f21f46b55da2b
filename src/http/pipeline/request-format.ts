import type { NextFunction, Request, Response } from 'express';
import { checkAccept, checkContentType, checkFormatParameter } from '../../fhir/fhir-format';

/**
 * The formats a request asks for, checked before anything else reads it: `_format` (once, JSON), and the FHIR version
 * of Content-Type (415) and Accept (406) when they name one, Accept only without a `_format`, which overrides it. Works
 * on node:http's objects (the lean adapter runs it).
 */
export function requestFormat() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      // Express 5 parses the URL's query again at every read of req.query: read once here, kept for the routes
      const query = req.query;
      Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
      const format = query._format;
      checkFormatParameter(format);
      checkContentType(req.headers['content-type']);
      // a _format overrides Accept (R4 http.html: for a client that cannot set it), so Accept is not checked then
      if (format === undefined) checkAccept(req.headers.accept);
    } catch (e) {
      return next(e);
    }
    next();
  };
}

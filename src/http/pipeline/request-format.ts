import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { answerMediaType, checkAccept, checkContentType, checkFormatParameter, refuseTableFormat, THIS_REQUEST } from '../../fhir/fhir-format';
import { checkPrettyParameter } from '../../fhir/pretty-json';
import { OPERATION_PATH } from '../../operations/invoke';

/** Where a request keeps the Content-Type its JSON answers are written with, when it is not FHIR's (answerMediaType). */
const ANSWER_TYPE = Symbol('answerContentType');
type Typed = IncomingMessage & { [ANSWER_TYPE]?: string };

/**
 * The Content-Type of a request's JSON answers when it asked for a generic JSON type (`application/json`, `text/json`),
 * undefined for FHIR's (also for a request refused before its format was read).
 */
export function genericAnswerType(req: IncomingMessage | undefined): string | undefined {
  return (req as Typed | undefined)?.[ANSWER_TYPE];
}

/**
 * The formats a request asks for, checked before anything else reads it: `_format` (once, JSON; a table's format
 * only on an operation's path, where invoke knows whether the operation answers tables), `_pretty` (once,
 * true or false), and the FHIR version of Content-Type (415) and Accept (406) when they name one, Accept only without
 * a `_format`, which overrides it; and the JSON media type the answers are written as (`genericAnswerType`). Works on
 * node:http's objects (the lean adapter runs it).
 */
export function requestFormat() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      // Express 5 parses the URL's query at every read of req.query: read once, kept (the lean adapter's is kept)
      const query = req.query;
      if (!Object.hasOwn(req, 'query')) Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
      const format = query._format;
      checkFormatParameter(format);
      // the URL relative to the FHIR base, in Express's router and in the lean adapter alike
      if (!OPERATION_PATH.test(req.url.split('?', 1)[0]!)) refuseTableFormat(format, THIS_REQUEST);
      checkPrettyParameter(query._pretty);
      checkContentType(req.headers['content-type']);
      // a _format overrides Accept (R4 http.html: for a client that cannot set it), so Accept is not checked then
      if (format === undefined) checkAccept(req.headers.accept);
      const type = answerMediaType(format, req.headers.accept);
      if (type !== 'application/fhir+json') (req as Typed)[ANSWER_TYPE] = `${type}; charset=utf-8`;
    } catch (e) {
      return next(e);
    }
    next();
  };
}

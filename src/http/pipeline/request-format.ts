import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { answerMediaType, checkAccept, checkContentType, checkFormatParameter, refuseTableFormat, THIS_REQUEST } from '../../fhir/fhir-format';
import { checkPrettyParameter, wantsPretty } from '../../fhir/pretty-json';
import { parseQueryString, type FormParameters } from '../../fhir/query-string';
import { OPERATION_PATH } from '../../operations/invoke';

/** Where a request keeps the Content-Type its JSON answers are written with, when it is not FHIR's (answerMediaType). */
const ANSWER_TYPE = Symbol('answerContentType');
/** Where a request notes that the form it POSTed asks for indented answers (`_pretty=true`). */
const FORM_PRETTY = Symbol('formPretty');
/** Where a request notes that its Accept is checked once its form is read: the form may give a `_format`, which overrides it. */
const ACCEPT_AFTER_FORM = Symbol('acceptAfterForm');
type Typed = IncomingMessage & { [ANSWER_TYPE]?: string; [FORM_PRETTY]?: boolean; [ACCEPT_AFTER_FORM]?: boolean };
type FormatQuery = { _format?: unknown; _pretty?: unknown };

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
      checkContentType(req.headers['content-type']);
      checkFormats(req, query, isForm(req));
    } catch (e) {
      return next(e);
    }
    next();
  };
}

/** Whether the request's body is a form (a search or an operation POSTed as one). */
function isForm(req: IncomingMessage): boolean {
  return /^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/**
 * `_format`, `_pretty` and Accept as requestFormat checks them, and the media type of the answers they ask for;
 * `formToCome`: Accept waits for the form (formFormats), whose `_format` overrides it as the URL's does.
 */
function checkFormats(req: IncomingMessage, query: FormatQuery, formToCome = false): void {
  const format = query._format;
  checkFormatParameter(format);
  // the URL relative to the FHIR base, in Express's router and in the lean adapter alike
  if (!OPERATION_PATH.test(req.url!.split('?', 1)[0]!)) refuseTableFormat(format, THIS_REQUEST);
  checkPrettyParameter(query._pretty);
  // a _format overrides Accept (R4 http.html: for a client that cannot set it), so Accept is not checked then
  if (format === undefined && formToCome) (req as Typed)[ACCEPT_AFTER_FORM] = true;
  else if (format === undefined) checkAccept(req.headers.accept);
  const type = answerMediaType(format, req.headers.accept);
  (req as Typed)[ANSWER_TYPE] = type !== 'application/fhir+json' ? `${type}; charset=utf-8` : undefined;
}

/**
 * A search or operation POSTed as a form is read as its GET query would be (the form's parameters after the URL's,
 * fhir/query-string.ts), so the form's `_format` and `_pretty` count as the URL's do: checked as requestFormat checks
 * them (given in the URL and the form, twice: 400) and kept in the request's query, where the answer's format (a table,
 * a Binary's own content or its resource) is read, and its `_pretty=true` indents the answer (prettyAnswer).
 */
export function formFormats(req: Request, form: FormParameters): void {
  const given: FormatQuery = parseQueryString(form.text);
  if (given._format === undefined && given._pretty === undefined) {
    if ((req as Typed)[ACCEPT_AFTER_FORM]) checkFormats(req, req.query as FormatQuery);
    return;
  }
  const query = { ...(req.query as Record<string, unknown>) };
  for (const name of ['_format', '_pretty'] as const) {
    const [url, posted] = [query[name], given[name]];
    if (posted !== undefined) query[name] = url === undefined ? posted : [url, posted].flat();
  }
  checkFormats(req, query);
  req.query = query as Request['query'];
  if (given._pretty === 'true') (req as Typed)[FORM_PRETTY] = true;
}

/** Whether a request asks for indented answers: `_pretty=true` in its URL, or in the form it POSTed (formFormats). */
export function prettyAnswer(req: IncomingMessage | undefined): boolean {
  return wantsPretty(req?.url) || (req as Typed | undefined)?.[FORM_PRETTY] === true;
}

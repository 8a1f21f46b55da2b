import type { IncomingMessage, ServerResponse } from 'node:http';
import { TextDecoder } from 'node:util';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { excerpt } from '../../errors/excerpt';
import { FhirError } from '../../errors/fhir-error';
import { mediaTypeParameters } from '../../fhir/fhir-format';
import { callInput } from '../../operations/call-input';
import type { OperationContext } from '../../operations/context';
import { OPERATION_PATH, strictHandling, type CallInput, type Invoker } from '../../operations/invoke';
import { sendAnswer } from '../pipeline/send';
import { requestedTableFormat } from '../pipeline/table-send';

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

export interface OperationRouteDeps {
  invoker: Invoker;
  contextFor(req: IncomingMessage, res: ServerResponse): OperationContext;
  logFor(req: IncomingMessage): Logger;
}

/**
 * The text of a `text/csv` body in the charset its Content-Type names (UTF-8 when it names none), a leading byte order
 * mark dropped. Bytes that are not text in that charset are refused, not read as U+FFFD: a Danish spreadsheet saved as
 * "CSV (semikolonsepareret)" is Windows-1252, and its æ, ø and å would all become the same character.
 */
function csvText(body: Buffer, contentType: string | undefined): string {
  const charset = mediaTypeParameters(contentType ?? '').get('charset') ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new FhirError(415, 'not-supported', `The charset ${excerpt(charset, 40)} of the text/csv body is not one the server reads`, {
      da: `Tegnsættet ${excerpt(charset, 40)} i text/csv-kroppen kan serveren ikke læse`,
    });
  }
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    const named = contentType && /charset/i.test(contentType) ? charset : 'UTF-8';
    throw FhirError.invalid(`The CSV is not ${named} text; save it as UTF-8 (in Excel: "CSV UTF-8"), or name its charset in the Content-Type (text/csv; charset=windows-1252)`, {
      expression: ['csv'],
      da: `CSV-filen er ikke ${named}-tekst; gem den som UTF-8 (i Excel: "CSV UTF-8 (kommasepareret)"), eller angiv dens tegnsæt i Content-Type (text/csv; charset=windows-1252)`,
    });
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The operation call a path addresses that this route takes: any on the terminology types, those of the table on others. */
export function operationAt(invoker: Invoker, path: string): { type: string; id?: string; name: string } | undefined {
  const match = OPERATION_PATH.exec(path);
  if (!match) return undefined;
  const [, type = '', id, name] = match as unknown as [string, string | undefined, string | undefined, string];
  return TERMINOLOGY_TYPES.has(type) || invoker.find(type, name) ? { type, id, name } : undefined;
}

/**
 * The Express adapter of invoke (src/operations/invoke.ts): every operation in `OPERATIONS`, GET (query) and POST
 * (Parameters, a resource, or text/csv), at system, type and instance level. Operations on other resource types the
 * server does not have fall through to the other routes.
 */
export function operationRoute(deps: OperationRouteDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const call = operationAt(deps.invoker, req.path);
    if (!call) return next();
    const { type, id, name } = call;
    const query = req.query as Record<string, unknown>;
    const body: unknown = req.body;
    const q = req.url.indexOf('?');
    // HEAD is the GET without its body (RFC 9110 §9.3.2); node:http leaves the body of a HEAD response out
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const input: CallInput = method === 'POST' && Buffer.isBuffer(body) ? { csv: csvText(body, req.headers['content-type']), query }
      : callInput(method, body, query, q < 0 ? '' : req.url.slice(q + 1));
    const format = requestedTableFormat(req, query);
    const answer = await deps.invoker.invoke({
      type, id, name, method, input, strict: strictHandling(req.headers.prefer), wantsTable: format !== undefined, context: deps.contextFor(req, res),
    });
    if (answer.error) deps.logFor(req).error({ err: answer.error }, 'request failed');
    await sendAnswer(res, answer, format);
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { OperationContext } from '../../operations/context';
import { OPERATION_PATH, strictHandling, type Answer, type CallInput, type Invoker } from '../../operations/invoke';
import { parseLanguages } from '../../terminology/language';
import { sendChunks } from '../pipeline/chunked-send';
import { FHIR_JSON } from '../pipeline/fhir-json';
import { requestedTableFormat, sendTable, type TableFormat } from '../pipeline/table-send';

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

/** Answers above this size that come as chunks are written as they are (see chunked-send.ts), not joined first. */
const CHUNKED_ANSWER_BYTES = 256 * 1024;

/** Writes an invoke answer on a node:http response (both adapters). */
export async function sendAnswer(res: ServerResponse, answer: Answer, format: TableFormat | undefined): Promise<void> {
  if (res.headersSent || res.writableEnded) return; // already answered (e.g. timed out)
  if (answer.table) return sendTable(res, answer.table, format ?? 'csv');
  res.statusCode = answer.status;
  if (answer.headers) for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', `${FHIR_JSON}; charset=utf-8`);
  if (answer.chunks.length > 1 && answer.byteLength > CHUNKED_ANSWER_BYTES) return sendChunks(res, answer.chunks, answer.byteLength);
  const body = answer.chunks.length === 1 ? answer.chunks[0]! : Buffer.concat(answer.chunks as Buffer[], answer.byteLength);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** The raw query string of a URL ('' without one). */
export function searchOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

export interface OperationRouteDeps {
  invoker: Invoker;
  contextFor(req: IncomingMessage, res: ServerResponse): OperationContext;
  logFor(req: IncomingMessage): Logger;
}

/**
 * The Express adapter of invoke (src/operations/invoke.ts): every operation in `OPERATIONS`, GET (query) and POST
 * (Parameters, a resource, or text/csv), at system, type and instance level. Operations on other resource types the
 * server does not have fall through to the other routes.
 */
export function operationRoute(deps: OperationRouteDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const match = OPERATION_PATH.exec(req.path);
    if (!match) return next();
    const [, type = '', id, name] = match as unknown as [string, string | undefined, string | undefined, string];
    if (!TERMINOLOGY_TYPES.has(type) && !deps.invoker.find(type, name)) return next();
    try {
      const query = req.query as Record<string, unknown>;
      const body: unknown = req.body;
      const input: CallInput = req.method === 'POST' && Buffer.isBuffer(body) ? { csv: csvText(body), query }
        : req.method === 'POST' && body !== null && typeof body === 'object' && Object.keys(body).length > 0 ? { body, query }
          : { query, search: searchOf(req.url) };
      const format = requestedTableFormat(req, query);
      const answer = await deps.invoker.invoke({
        type, id, name, method: req.method, input, strict: strictHandling(req.headers.prefer), wantsTable: format !== undefined, context: deps.contextFor(req, res),
      });
      if (answer.error) deps.logFor(req).error({ err: answer.error }, 'request failed');
      await sendAnswer(res, answer, format);
    } catch (err) {
      next(err);
    }
  };
}

/** The text of a `text/csv` body (a leading byte order mark dropped). */
function csvText(body: Buffer): string {
  const text = body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function acceptLanguages(req: IncomingMessage): string[] {
  const header = req.headers['accept-language'];
  return parseLanguages(typeof header === 'string' ? header : undefined);
}

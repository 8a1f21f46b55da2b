import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestedTableFormat } from '../../fhir/fhir-format';
import { callInput } from '../../operations/call-input';
import type { OperationContext } from '../../operations/context';
import { operationAt, strictHandling, type Invoker } from '../../operations/invoke';
import { bodyBytesOf } from '../pipeline/fhir-json';
import { headerText } from '../pipeline/request-values';
import { sendAnswer } from '../pipeline/send';

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
    const call = operationAt(deps.invoker, req.path);
    if (!call) return next();
    const { type, id, name } = call;
    const query = req.query as Record<string, unknown>;
    const q = req.url.indexOf('?');
    // HEAD is the GET without its body (RFC 9110 §9.3.2); node:http leaves the body of a HEAD response out
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const input = callInput(method, req.body, query, q < 0 ? '' : req.url.slice(q + 1), req.headers['content-type']);
    const format = requestedTableFormat(query._format, req.headers.accept);
    const answer = await deps.invoker.invoke({
      type, id, name, method, input, strict: strictHandling(req.headers.prefer), wantsTable: format !== undefined,
      etag: true, ifNoneMatch: headerText(req, 'if-none-match'), bodyBytes: bodyBytesOf(req), abandoned: () => res.headersSent || res.destroyed,
      context: deps.contextFor(req, res),
    });
    if (answer.error) deps.logFor(req).error({ err: answer.error }, 'request failed');
    await sendAnswer(res, answer, format);
  };
}

import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { issue, operationOutcome } from '../errors/operation-outcome';
import { FHIR_JSON } from './fhir-json';

/**
 * Answers 503 with a `timeout` OperationOutcome when the response has not been started within `ms`. The caller
 * clears the returned timer when the response is done.
 */
export function armRequestTimeout(res: ServerResponse, ms: number, log: () => Logger): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (res.headersSent || res.writableEnded) return;
    log().warn({ ms }, 'request timed out');
    const body = Buffer.from(JSON.stringify(operationOutcome([
      issue({ severity: 'error', code: 'timeout', text: `The request was not answered within ${ms} ms` }),
    ])), 'utf8');
    res.statusCode = 503;
    res.setHeader('Content-Type', `${FHIR_JSON}; charset=utf-8`);
    res.setHeader('Content-Length', String(body.length));
    res.end(body);
  }, ms);
  timer.unref();
  return timer;
}

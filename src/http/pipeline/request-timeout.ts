import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { issue, operationOutcome } from '../../errors/operation-outcome';
import type { CommitGate } from '../../store/commit-gate';
import { FHIR_JSON } from './fhir-json';

const WRITE_GATE = Symbol('the commit gate of the write this response answers');

type WithGate = ServerResponse & { [WRITE_GATE]?: CommitGate };

/**
 * Ties a write to the request timeout: when the timeout comes before the write's commit began, the write is
 * abandoned (rolled back, never committed) and the 503 says nothing was written; when its commit has begun, the
 * timeout does not answer, and the write's own outcome is sent when the store has it (the store's waits are bounded).
 */
export function abandonWriteOnTimeout(res: ServerResponse, gate: CommitGate): void {
  // Already answered (the timeout came while the request was read or authenticated): the write must not happen.
  if (res.headersSent || res.writableEnded) gate.abandon();
  (res as WithGate)[WRITE_GATE] = gate;
}

/**
 * Answers 503 with a `timeout` OperationOutcome (and the common headers) when the response has not been started within `ms`. The caller
 * clears the returned timer when the response is done.
 */
export function armRequestTimeout(res: ServerResponse, ms: number, log: () => Logger, commonHeaders: () => string[]): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (res.headersSent || res.writableEnded) return;
    const gate = (res as WithGate)[WRITE_GATE];
    if (gate && !gate.abandon()) {
      log().warn({ ms }, 'request timed out while its write was committing; answered when the database confirms');
      return;
    }
    log().warn({ ms }, 'request timed out');
    const text = `The request was not answered within ${ms} ms${gate ? '; the write was cancelled and nothing was written' : ''}`;
    const body = Buffer.from(JSON.stringify(operationOutcome([issue({ severity: 'error', code: 'timeout', text })])), 'utf8');
    res.writeHead(503, [...commonHeaders(), 'Content-Type', `${FHIR_JSON}; charset=utf-8`, 'Content-Length', String(body.length)]);
    res.end(body);
  }, ms);
  timer.unref();
  return timer;
}

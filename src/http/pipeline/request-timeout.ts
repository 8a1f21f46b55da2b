import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { messageIssue } from '../../errors/issue';
import type { MessageLanguage } from '../../errors/message-language';
import { operationOutcome } from '../../errors/operation-outcome';
import type { CommitGate } from '../../store/commit-gate';
import { acceptedMessageLanguage } from './request-values';
import { jsonContentType } from './send';

const WRITE_GATE = Symbol('the commit gate of the write this response answers');
const ONE_OF_MANY = Symbol('the write is one of a batch\'s, some of which may be written');

type WithGate = ServerResponse & { [WRITE_GATE]?: CommitGate; [ONE_OF_MANY]?: boolean };

/**
 * Ties a write to the request timeout: when the timeout comes before the write's commit began, the write is
 * abandoned (rolled back, never committed) and the 503 says nothing was written; when its commit has begun, the
 * timeout does not answer, and the write's own outcome is sent when the store has it (the store's waits are bounded).
 */
export function abandonWriteOnTimeout(res: ServerResponse, gate: CommitGate, oneOfMany = false): void {
  // Already answered (the timeout came while the request was read or authenticated): the write must not happen.
  if (res.headersSent || res.writableEnded) gate.abandon();
  (res as WithGate)[WRITE_GATE] = gate;
  // a batch's entry: the timeout answers whatever the entry's commit is doing, and says earlier entries may be written
  (res as WithGate)[ONE_OF_MANY] = oneOfMany;
}

/**
 * Answers a `timeout` OperationOutcome (and the common headers) when the response has not been started within `ms`:
 * 503 when the server took the time, 408 when the request's body had not all arrived (a client that sends less than
 * its Content-Length, or too slowly), and then the connection is closed; in `language`, the language of the request's
 * refusals. The caller clears the returned timer when the response is done.
 */
export function armRequestTimeout(req: IncomingMessage, res: ServerResponse, ms: number, log: () => Logger, commonHeaders: () => string[],
  language: (req: IncomingMessage) => MessageLanguage = acceptedMessageLanguage): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (res.headersSent || res.writableEnded) return;
    const gate = (res as WithGate)[WRITE_GATE];
    const oneOfMany = (res as WithGate)[ONE_OF_MANY] === true;
    if (gate && !gate.abandon() && !oneOfMany) {
      log().warn({ ms }, 'request timed out while its write was committing; answered when the database confirms');
      return;
    }
    const received = req.complete;
    log().warn({ ms, received }, received ? 'request timed out' : 'request body not received in time');
    const text = received
      ? oneOfMany ? {
        en: `The request was not answered within ${ms} ms; its entries not yet written were not written, but those before may have been (the audit log says which)`,
        da: `Forespørgslen blev ikke besvaret inden for ${ms} ms; dens poster, der ikke var skrevet endnu, blev ikke skrevet, men de forrige kan være det (auditloggen viser hvilke)`,
      } : {
        en: `The request was not answered within ${ms} ms${gate ? '; the write was cancelled and nothing was written' : ''}`,
        da: `Forespørgslen blev ikke besvaret inden for ${ms} ms${gate ? '; skrivningen blev afbrudt, og intet blev skrevet' : ''}`,
      }
      : {
        en: `The request body was not received within ${ms} ms (it is shorter than its Content-Length, or sent too slowly)`,
        da: `Forespørgslens krop blev ikke modtaget inden for ${ms} ms (den er kortere end dens Content-Length, eller sendes for langsomt)`,
      };
    const outcome = operationOutcome([messageIssue({ severity: 'error', code: 'timeout', text }, language(req))]);
    const body = Buffer.from(JSON.stringify(outcome), 'utf8');
    const headers = [...commonHeaders(), 'Content-Type', jsonContentType(req), 'Content-Length', String(body.length)];
    if (!received) headers.push('Connection', 'close');
    res.writeHead(received ? 503 : 408, headers);
    res.end(body);
  }, ms);
  timer.unref();
  return timer;
}

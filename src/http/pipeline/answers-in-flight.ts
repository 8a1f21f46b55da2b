import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageIssue } from '../../errors/issue';
import { operationOutcome } from '../../errors/operation-outcome';
import { acceptedMessageLanguage } from './request-values';

/** Answers smaller than this are not counted: what is held by their connections is bounded by the connections. */
export const COUNTED_FROM_BYTES = 1024 * 1024;

/** Seconds a client refused for the budget is told to wait (Retry-After). */
const RETRY_AFTER_SECONDS = 5;

declare module 'node:http' {
  interface IncomingMessage {
    /** The budget of answer bytes being written, all connections together (ANSWERS_IN_FLIGHT_MB). */
    answersInFlight?: AnswersInFlight;
  }
}

/**
 * The bytes of large answers being written, all connections together, within a budget (ANSWERS_IN_FLIGHT_MB). An
 * answer is held until its client has read it: one that reads slowly or not at all keeps a batch of 67 MB made from a
 * request of 22 KB in memory, so that forty such clients held 2.7 GB. An answer that would pass the budget is not
 * written: the request is answered 503 `throttled` with Retry-After instead (its bytes then go), as a body is
 * refused by BODIES_IN_FLIGHT_MB. An answer counts until its response is closed: written, or its connection closed
 * (the inactivity timeout closes one nothing moves on, src/http/server.ts).
 */
export class AnswersInFlight {
  private held = 0;

  constructor(readonly budget: number) {}

  /** Bytes of the counted answers being written now. */
  get bytes(): number {
    return this.held;
  }

  /**
   * Whether an answer of up to `bytes` could be taken now: asked before computing an answer that may be that large (a
   * batch's, up to 64 MB), so that one the budget would refuse is not computed first.
   */
  hasRoomFor(bytes: number): boolean {
    return this.held + bytes <= this.budget;
  }

  /** Counts an answer of `bytes` for `res` until it is closed; false (nothing counted) when it would pass the budget. */
  take(res: ServerResponse, bytes: number): boolean {
    if (bytes < COUNTED_FROM_BYTES) return true;
    if (!this.hasRoomFor(bytes)) return false;
    this.held += bytes;
    res.once('close', () => {
      this.held -= bytes;
    });
    return true;
  }
}

/**
 * Whether an answer may be large enough to count, told without measuring a text's UTF-8 bytes (every request's path:
 * a text of n characters has at most 3n bytes).
 */
export function mayBeLarge(answer: { text?: string; byteLength: number }): boolean {
  return answer.text === undefined || answer.text.length * 3 >= COUNTED_FROM_BYTES;
}

/** The 503 `throttled` OperationOutcome of an answer the budget did not take, in the request's language. */
function answersThrottled(req: IncomingMessage | undefined): Buffer {
  const text = {
    en: `The server is writing as many large answers as it holds at once; send the request again in ${RETRY_AFTER_SECONDS} seconds`,
    da: `Serveren skriver allerede så mange store svar, som den holder ad gangen; send forespørgslen igen om ${RETRY_AFTER_SECONDS} sekunder`,
  };
  const language = req ? acceptedMessageLanguage(req) : 'en';
  return Buffer.from(JSON.stringify(operationOutcome([messageIssue({ severity: 'error', code: 'throttled', text }, language)])), 'utf8');
}

/** Answers 503 `throttled` (the answer the budget does not take), with the headers every response carries. */
export function sendAnswersThrottled(req: IncomingMessage | undefined, res: ServerResponse, common: readonly string[], contentType: string): void {
  const body = answersThrottled(req);
  res.writeHead(503, [...common, 'Content-Type', contentType, 'Content-Length', String(body.length), ...THROTTLED_HEADERS]);
  res.end(body);
}

/** The headers of that answer besides its content's. */
const THROTTLED_HEADERS = ['Retry-After', String(RETRY_AFTER_SECONDS), 'Connection', 'close'];

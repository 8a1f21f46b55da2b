import type { IncomingMessage, ServerResponse } from 'node:http';
import { FhirError } from '../../errors/fhir-error';
import { contentEncoding } from './request-values';

/** Seconds a client refused for the budget is asked to wait before it sends again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The request bodies being read at once, within one budget for the process (BODIES_IN_FLIGHT_MB): BODY_LIMIT_BYTES
 * bounds one body, this bounds all of them, so that many connections each sending a large body slowly cannot hold
 * the memory of all of them at once. A body counts by what of it has arrived (decompressed, for a Content-Encoding),
 * not by its declared Content-Length: connections that only declare large bodies hold nothing, so they cannot keep
 * every other client's body out. It stops counting when its reader is done or its connection is closed (a body that
 * never ended: timed out, aborted).
 */
export class BodiesInFlight {
  private held = 0;

  constructor(readonly budget: number) {}

  /** Bytes of the bodies being read now. */
  get bytes(): number {
    return this.held;
  }

  /**
   * Reads the body of `req` with `reader` within the budget: `then` once, with the reader's outcome, or with 503
   * `throttled` when what has arrived of it would pass the budget (the rest of the body then dropped).
   */
  read<Req extends IncomingMessage, Res extends ServerResponse>(req: Req, res: Res, reader: (req: Req, res: Res, done: (err?: unknown) => void) => void,
    then: (err?: unknown) => void): void {
    let counted = 0;
    let released = false;
    let settled = false;
    const socket = req.socket;
    const release = (): void => {
      if (released) return;
      released = true;
      this.held -= counted;
      socket.off('close', release);
    };
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      then(err);
    };
    const count = (chunk: Buffer): void => {
      if (released || settled) return;
      if (this.held + chunk.length > this.budget) {
        dropTheRest(req);
        settle(throttled(res));
        return;
      }
      this.held += chunk.length;
      counted += chunk.length;
    };
    // a body that never ends (its request timed out, its client went away) is let go with its connection: a request
    // answered before its body ended emits no 'close' of its own, and one decoded may close before its decoder is done
    socket.once('close', release);
    onBodyBytes(req, count);
    reader(req, res, (err) => {
      release();
      settle(err);
    });
  }
}

/**
 * Calls `count` with each piece of the body as it will be held: the request's own bytes, or, for a body with a
 * Content-Encoding, what the decoder body-parser pipes the request into makes of them.
 */
function onBodyBytes(req: IncomingMessage, count: (chunk: Buffer) => void): void {
  if (contentEncoding(req) === 'identity') {
    req.on('data', count);
    return;
  }
  const pipe = req.pipe;
  req.pipe = function pipeCounted<T extends NodeJS.WritableStream>(this: IncomingMessage, destination: T, options?: { end?: boolean }): T {
    (destination as unknown as NodeJS.ReadableStream).on('data', count);
    return pipe.call(this, destination, options) as T;
  };
}

/** Stops the reader's collecting: the rest of the body arrives and is dropped until the connection closes. */
function dropTheRest(req: IncomingMessage): void {
  req.unpipe();
  req.removeAllListeners('data');
  req.resume();
}

/** 503 `throttled`, with Retry-After; the connection is closed, so that the body is not read. */
function throttled(res: ServerResponse): FhirError {
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.setHeader('Connection', 'close');
  return new FhirError(503, 'throttled', `The server is reading as many request bodies as it takes at once; send the request again in ${RETRY_AFTER_SECONDS} seconds`, {
    da: `Serveren læser allerede så mange forespørgselskroppe, som den tager ad gangen; send forespørgslen igen om ${RETRY_AFTER_SECONDS} sekunder`,
  });
}

import http from 'node:http';
import type { Socket } from 'node:net';
import type { RequestListener } from 'node:http';
import { issue, operationOutcome } from '../errors/operation-outcome';
import { carries, LINGER_LIMITS, lingerOnClose, type LingerLimits } from './lingering-close';
import { operationNameDecoded, originForm } from './pipeline/request-target';

/** How long an idle keep-alive connection is kept open for the client's next request. */
export const KEEP_ALIVE_MS = 65_000;

/** Largest request head (request line and headers) accepted; longer URLs are answered 431. */
export const MAX_HEADER_BYTES = 32 * 1024;

function outcomeResponse(status: number, text: string, code: 'too-long' | 'invalid' | 'timeout' | 'not-supported', extraHeaders = ''): string {
  const body = JSON.stringify(operationOutcome([issue({ severity: 'error', code, text })]));
  const reason = http.STATUS_CODES[status] ?? 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/** The answers each server is still writing, so that a graceful close can tell them to close their connection. */
const responsesInFlight = new WeakMap<http.Server, Set<http.ServerResponse>>();

export interface HttpServerOptions {
  /** Time a client has to send a whole request (headers and body); slower ones get 408. Default 60 s. */
  receiveTimeoutMs?: number;
  /** How long and how much of a body refused unread is still taken after the answer (lingering-close.ts). */
  linger?: LingerLimits;
  /**
   * A connection on which nothing is read or written for this long is closed (default 120 s, and at least twice the
   * request timeout): a client that stops reading an answer would otherwise hold it in the server's memory for good.
   */
  stalledConnectionMs?: number;
}

/** The default of `stalledConnectionMs`: well above any request's time to be computed (REQUEST_TIMEOUT_MS, 30 s). */
export const STALLED_CONNECTION_MS = 120_000;

/**
 * The HTTP server for the app: requests Node's parser rejects (oversized heads, malformed request lines, requests
 * not received in time) are answered with an OperationOutcome instead of an empty response.
 */
export function createHttpServer(listener: RequestListener, options: HttpServerOptions = {}): http.Server {
  const receiveMs = options.receiveTimeoutMs ?? 60_000;
  const server = http.createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: receiveMs,
    headersTimeout: receiveMs,
    // how often Node looks for requests over their time (default 30 s): a quarter of it
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(receiveMs / 4))),
    // a request without Host is answered by the app, with an OperationOutcome (http/pipeline/request-target.ts)
    requireHostHeader: false,
    // Node's 5 s would close a keep-alive connection a proxy is about to reuse (its idle timeout is longer: HAProxy's
    // and load balancers' 60 s), and after an operation held the event loop for longer, a connection whose next
    // request had already arrived (reset, not answered)
    keepAliveTimeout: KEEP_ALIVE_MS,
  }, (req, res) => {
    originForm(req);
    operationNameDecoded(req);
    listener(req, res);
  });
  // a socket idle in both directions that long: its answer is not being read (a keep-alive one closes sooner)
  server.timeout = options.stalledConnectionMs ?? STALLED_CONNECTION_MS;
  server.on('timeout', (socket: Socket) => socket.destroy());
  const inFlight = new Set<http.ServerResponse>();
  responsesInFlight.set(server, inFlight);
  // one shared listener, no closure per request: this is on every request's path
  function answered(this: http.ServerResponse): void {
    inFlight.delete(this);
  }
  const linger = options.linger ?? LINGER_LIMITS;
  server.on('connection', (socket: Socket) => lingerOnClose(socket, linger));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    carries(req);
    inFlight.add(res);
    res.on('close', answered);
  });
  // an Expect other than 100-continue (RFC 9110 §10.1.1), and CONNECT, which Node answers with an empty 417 or not at all
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.socket?.end(outcomeResponse(417, `The expectation '${String(req.headers.expect).slice(0, 60)}' cannot be met; only 100-continue is`, 'not-supported'));
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    // a 405 names what the target takes (RFC 9110 §15.5.6); a CONNECT's target is an authority, which takes nothing
    socket.end(outcomeResponse(405, 'CONNECT is not supported: this is not a proxy', 'not-supported', 'Allow: \r\n'));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end(outcomeResponse(408, `The request was not received within ${receiveMs} ms`, 'timeout'));
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      socket.end(outcomeResponse(431, `The request line and headers are larger than ${MAX_HEADER_BYTES} bytes`, 'too-long'));
    } else if (err.code === 'ECONNRESET') {
      socket.destroy();
    } else {
      socket.end(outcomeResponse(400, 'The HTTP request is malformed', 'invalid'));
    }
  });
  return server;
}

/** How often a closing server looks for connections that have become idle (their last answer written). */
const IDLE_CHECK_MS = 25;

/**
 * Stops a server gracefully: no new connections; every answer from now on says `Connection: close`, so a client
 * keeping its connection alive sends no further request on it; each connection is closed once its answer in flight is
 * written. Resolves when the last connection has closed.
 */
export function closeGracefully(server: http.Server): Promise<void> {
  const last = (res: http.ServerResponse): void => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  for (const res of responsesInFlight.get(server) ?? []) last(res);
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => last(res));
  const idle = setInterval(() => server.closeIdleConnections(), IDLE_CHECK_MS);
  idle.unref();
  return new Promise((resolve) => {
    server.close(() => {
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}

import http from 'node:http';
import type { Socket } from 'node:net';
import type { RequestListener } from 'node:http';
import { issue, operationOutcome } from '../errors/operation-outcome';

/** Largest request head (request line and headers) accepted; longer URLs are answered 431. */
export const MAX_HEADER_BYTES = 32 * 1024;

function outcomeResponse(status: number, text: string, code: 'too-long' | 'invalid' | 'timeout'): string {
  const body = JSON.stringify(operationOutcome([issue({ severity: 'error', code, text })]));
  const reason = http.STATUS_CODES[status] ?? 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export interface HttpServerOptions {
  /** Time a client has to send a whole request (headers and body); slower ones get 408. Default 60 s. */
  receiveTimeoutMs?: number;
}

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
  }, listener);
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

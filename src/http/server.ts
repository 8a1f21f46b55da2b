import http from 'node:http';
import type { Socket } from 'node:net';
import type { RequestListener } from 'node:http';
import { issue, operationOutcome } from '../errors/operation-outcome';

/** Largest request head (request line and headers) accepted; longer URLs are answered 431. */
export const MAX_HEADER_BYTES = 32 * 1024;

function outcomeResponse(status: number, text: string, code: 'too-long' | 'invalid'): string {
  const body = JSON.stringify(operationOutcome([issue({ severity: 'error', code, text })]));
  const reason = http.STATUS_CODES[status] ?? 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The HTTP server for the app: requests Node's parser rejects (oversized heads, malformed request lines) are
 * answered with an OperationOutcome instead of an empty response.
 */
export function createHttpServer(listener: RequestListener): http.Server {
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 60_000 }, listener);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      socket.end(outcomeResponse(431, `The request line and headers are larger than ${MAX_HEADER_BYTES} bytes`, 'too-long'));
    } else if (err.code === 'ECONNRESET') {
      socket.destroy();
    } else {
      socket.end(outcomeResponse(400, 'The HTTP request is malformed', 'invalid'));
    }
  });
  return server;
}

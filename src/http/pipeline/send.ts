import type { ServerResponse } from 'node:http';
import { answerOf, type Answer } from '../../operations/invoke';
import { sendChunks } from './chunked-send';
import { sendTable, type TableFormat } from './table-send';

/** Answers above this size that come as chunks are written as they are (see chunked-send.ts), not joined first. */
const CHUNKED_ANSWER_BYTES = 256 * 1024;

const JSON_CONTENT_TYPE = 'application/fhir+json; charset=utf-8';

/**
 * Writes an answer (invoke's, or a resource as answerOf makes it) on a node:http response: every route and both
 * adapters. `common`: the headers every response carries (RequestLifecycle.commonHeaders), when they are not set on
 * the response already; they are written with the answer's own in one writeHead.
 */
export function sendAnswer(res: ServerResponse, answer: Answer, format?: TableFormat, common?: string[]): Promise<void> | void {
  if (res.headersSent || res.writableEnded) return; // already answered (e.g. timed out)
  const headers = common ?? [];
  if (answer.table) {
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
    return sendTable(res, answer.table, format ?? 'csv');
  }
  if (answer.headers) for (const name in answer.headers) headers.push(name, answer.headers[name]!);
  headers.push('Content-Type', JSON_CONTENT_TYPE);
  const { chunks } = answer;
  if (chunks.length > 1 && answer.byteLength > CHUNKED_ANSWER_BYTES) {
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
    res.statusCode = answer.status;
    return sendChunks(res, chunks, answer.byteLength);
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks as Buffer[], answer.byteLength);
  headers.push('Content-Length', String(body.length));
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** Writes a resource (or a SerializedResource) as FHIR JSON. */
export function sendResource(res: ServerResponse, status: number, resource: unknown, headers?: Record<string, string>): void {
  void sendAnswer(res, answerOf(status, resource, headers));
}

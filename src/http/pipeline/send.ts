import type { IncomingMessage, ServerResponse } from 'node:http';
import { wantsBinaryResource, type TableFormat } from '../../fhir/fhir-format';
import { indentedBytes } from '../../fhir/pretty-json';
import { binaryResource } from '../../operations/context';
import { answerOf, type Answer } from '../../operations/invoke';
import { mayBeLarge, sendAnswersThrottled } from './answers-in-flight';
import { sendChunks } from './chunked-send';
import { genericAnswerType, prettyAnswer } from './request-format';
import { sendTable } from './table-send';

/** Answers above this size that come as many chunks are written through pooled buffers (see chunked-send.ts), not joined first. */
const CHUNKED_ANSWER_BYTES = 256 * 1024;
/** An answer of at most FEW_CHUNKS chunks from JOIN_BELOW_BYTES up (a cached expansion: its template's parts around a new
 * identifier and timestamp) is written as they are, not copied (~48 µs per 214 KB pick list); a smaller one is joined. */
const FEW_CHUNKS = 8;
const JOIN_BELOW_BYTES = 32 * 1024;
export const JSON_CONTENT_TYPE = 'application/fhir+json; charset=utf-8';

/** The Content-Type of a JSON answer to this request: FHIR's, or the generic JSON type it asked for (request-format.ts). */
export function jsonContentType(req: IncomingMessage | undefined): string {
  return genericAnswerType(req) ?? JSON_CONTENT_TYPE;
}

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
  if (answer.status === 304) {
    // without a body or the headers that describe one (Content-Type, Content-Length): RFC 9110 §15.4.5
    if (answer.headers) for (const name in answer.headers) headers.push(name, answer.headers[name]!);
    res.writeHead(304, headers);
    res.end();
    return;
  }
  // a large answer is held until its client has read it: within the budget of all of them, or 503 throttled instead
  if (res.req?.answersInFlight && mayBeLarge(answer) && !res.req.answersInFlight.take(res, answer.byteLength)) {
    sendAnswersThrottled(res.req, res, headers, jsonContentType(res.req));
    return;
  }
  const own = answer.headers?.['Content-Type'];
  // content in a media type of its own (BinaryContent), or its Binary resource to a client asking for FHIR JSON
  const req = res.req as (IncomingMessage & { query?: { _format?: unknown } }) | undefined;
  if (own !== undefined && wantsBinaryResource(req?.query?._format, req?.headers.accept, own)) answer = answerOf(answer.status, binaryResource(own, answer.chunks));
  if (answer.headers) for (const name in answer.headers) headers.push(name, answer.headers[name]!);
  if (answer.headers?.['Content-Type'] === undefined) {
    headers.push('Content-Type', jsonContentType(res.req));
    if (prettyAnswer(res.req)) answer = { ...answer, ...indentedBytes(answer) }; // bytes, without the compact text
  }
  if (answer.text !== undefined) {
    // written as text: node:http sends it with the head in one write, without a Buffer made for it first
    headers.push('Content-Length', String(answer.byteLength));
    res.writeHead(answer.status, headers);
    res.end(answer.text);
    return;
  }
  const { chunks } = answer;
  if (chunks.length > FEW_CHUNKS && answer.byteLength > CHUNKED_ANSWER_BYTES) {
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
    res.statusCode = answer.status;
    return sendChunks(res, chunks, answer.byteLength);
  }
  const joined = chunks.length > 1 && (chunks.length > FEW_CHUNKS || answer.byteLength < JOIN_BELOW_BYTES);
  const parts = joined ? [Buffer.concat(chunks as Buffer[], answer.byteLength)] : chunks;
  headers.push('Content-Length', String(answer.byteLength));
  res.writeHead(answer.status, headers);
  if (parts.length > 1) res.cork();
  for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
  res.end(parts[parts.length - 1]);
  if (parts.length > 1) res.uncork();
}

/** Writes a resource (or a SerializedResource) as FHIR JSON. */
export function sendResource(res: ServerResponse, status: number, resource: unknown, headers?: Record<string, string>): void {
  void sendAnswer(res, answerOf(status, resource, headers));
}

import querystring from 'node:querystring';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../../errors/fhir-error';
import { SerializedResource } from '../../fhir/serialized';
import type { OperationContext } from '../../operations/context';
import { errorAnswer, OPERATION_PATH, strictHandling, type Invoker } from '../../operations/invoke';
import type { TerminologyRegistry } from '../../terminology/registry';
import type { TerminologyType } from '../../terminology/resource-set';
import { sendResource } from '../pipeline/fhir-json';
import { search } from './search';

/** Most entries a batch Bundle may have (400 above): room for a day's codes of a municipality, not unbounded work. */
export const MAX_BATCH_ENTRIES = 20_000;

/**
 * Most bytes of answers one batch returns: entries after that are answered 422 too-costly (each answer is kept as
 * its bytes until the whole Bundle is sent; 10,000 $translate answers are about 7 MB).
 */
export const MAX_BATCH_RESPONSE_BYTES = 64 * 1024 * 1024;

const HEAD = Buffer.from('{"resourceType":"Bundle","type":"batch-response","entry":[', 'utf8');
const TAIL = Buffer.from(']}', 'utf8');
/** The answers are joined into pieces of about this many characters, each kept as bytes. */
const PIECE_CHARS = 64 * 1024;

/** After this much computing the batch lets other requests (and its own request timeout) run before it goes on. */
const SLICE_MS = 20;

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);
const READ_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([A-Za-z0-9\-.]{1,64}))?\/?$/;

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found', 405: '405 Method Not Allowed',
  408: '408 Request Timeout', 409: '409 Conflict', 410: '410 Gone', 412: '412 Precondition Failed', 413: '413 Payload Too Large',
  422: '422 Unprocessable Entity', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}

export interface BatchDeps {
  registry: TerminologyRegistry;
  invoker: Invoker;
  /** MAX_BATCH_RESPONSE_BYTES unless given (tests). */
  maxResponseBytes?: number;
  contextFor(req: Request): OperationContext;
  baseUrlOf(req: Request): string;
}

/** The path and query of an entry's url, relative to the base (absolute urls of this server are accepted too). */
function relativeUrl(url: string, base: string): { path: string; query: string } {
  const rel = url.startsWith(`${base}/`) ? url.slice(base.length) : url.startsWith('/') ? url : `/${url}`;
  const q = rel.indexOf('?');
  return q < 0 ? { path: rel, query: '' } : { path: rel.slice(0, q), query: rel.slice(q + 1) };
}

/** What an entry answers: an operation's serialized answer, or a read or search as a resource. */
type EntryAnswer = { status: number; json: string } | { status: 200; resource: Resource };

/**
 * One entry of a batch, answered as the same request on its own would be: operations through invoke (GET with the
 * query of the url, POST with a Parameters resource), reads and searches through the same registry. Errors are the
 * entry's answer, not the batch's.
 */
async function answerEntry(entry: BundleEntry, i: number, req: Request, deps: BatchDeps, ctx: OperationContext): Promise<EntryAnswer> {
  const method = entry?.request?.method;
  const url = entry?.request?.url;
  if (typeof url !== 'string' || url.length === 0) throw FhirError.invalid(`Bundle.entry[${i}].request.url is missing`);
  if (method !== 'GET' && method !== 'POST') {
    throw new FhirError(405, 'not-supported', `A batch entry is a read or a terminology operation (GET, or POST of Parameters), not ${String(method)}; ` +
      'send writes in a transaction Bundle');
  }
  const base = deps.baseUrlOf(req);
  const { path, query } = relativeUrl(url, base);
  const op = OPERATION_PATH.exec(path);
  if (op && op[1] && TERMINOLOGY_TYPES.has(op[1])) {
    const [, type, id, name] = op as unknown as [string, string, string | undefined, string];
    const params = querystring.parse(query) as Record<string, unknown>;
    const body = method === 'POST' ? entry.resource : undefined;
    if (method === 'POST' && !body) throw FhirError.invalid(`Bundle.entry[${i}] posts an operation without a Parameters resource`);
    const answer = await deps.invoker.invoke({
      type, id, name, method, input: body ? { body, query: params } : { query: params, search: query }, strict: strictHandling(req.headers.prefer), context: ctx,
    });
    if (answer.table) throw FhirError.notSupported('A batch entry cannot answer a table');
    const json = answer.text ?? (answer.chunks.length === 1 ? answer.chunks[0]! : Buffer.concat(answer.chunks as Buffer[], answer.byteLength)).toString('utf8');
    return { status: answer.status, json };
  }
  const read = READ_PATH.exec(path);
  if (read && method === 'GET') {
    const [, type, id] = read as unknown as [string, TerminologyType, string | undefined];
    if (!id) return { status: 200, resource: search(deps.registry, type, querystring.parse(query) as Record<string, unknown>, `${base}${path}${query ? `?${query}` : ''}`, base) };
    const resource = deps.registry.byId(type, id);
    if (!resource) throw FhirError.notFound(`${type}/${id} is not known`);
    return { status: 200, resource: resource as Resource };
  }
  throw FhirError.notFound(`Bundle.entry[${i}].request.url '${url.slice(0, 200)}' is not a read or an operation of this server`);
}

/** The JSON of a batch-response entry: what JSON.stringify gives for `{ resource, response }` or `{ response: { status, outcome } }`. */
function entryJson(answer: EntryAnswer): string {
  if ('resource' in answer) return JSON.stringify({ resource: answer.resource, response: { status: '200 OK' } });
  const { json } = answer;
  return answer.status < 300
    ? `{"resource":${json},"response":{"status":${JSON.stringify(statusText(answer.status))}}}`
    : `{"response":{"status":${JSON.stringify(statusText(answer.status))},"outcome":${json}}}`;
}

/**
 * `POST {base}` with a `batch` Bundle: every entry answered on its own, in order, in one `batch-response` (one status
 * per entry; an error in one entry does not fail the others). No transaction: nothing is written. Other Bundle types
 * go on to the transaction route.
 */
export function batchRoute(deps: BatchDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const bundle = req.body as Bundle | undefined;
    if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') return next();
    try {
      const entries = bundle.entry ?? [];
      if (!Array.isArray(entries)) throw FhirError.invalid('Bundle.entry must be an array');
      if (entries.length === 0) throw FhirError.invalid('The batch has no entries');
      if (entries.length > MAX_BATCH_ENTRIES) {
        throw FhirError.invalid(`The batch has ${entries.length} entries; at most ${MAX_BATCH_ENTRIES} are answered in one request`);
      }
      const ctx = deps.contextFor(req);
      const maxBytes = deps.maxResponseBytes ?? MAX_BATCH_RESPONSE_BYTES;
      const chunks: Buffer[] = [HEAD];
      let pending = '';
      let bytes = 0;
      let sliceStart = performance.now();
      for (let i = 0; i < entries.length; i++) {
        if (performance.now() - sliceStart > SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
        if (res.headersSent || res.destroyed) return; // timed out or the client went away: the rest is not computed
        let answer: EntryAnswer;
        try {
          if (bytes > maxBytes) {
            throw new FhirError(422, 'too-costly', `The answers of this batch exceed ${maxBytes} bytes from entry ${i} on; ` +
              'send the remaining entries in another batch');
          }
          answer = await answerEntry(entries[i]!, i, req, deps, ctx);
        } catch (e) {
          const error = errorAnswer(e);
          answer = { status: error.status, json: error.text! };
        }
        const json = entryJson(answer);
        bytes += Buffer.byteLength(json);
        pending = pending.length === 0 ? json : `${pending},${json}`;
        if (pending.length >= PIECE_CHARS) {
          chunks.push(Buffer.from(i + 1 < entries.length ? `${pending},` : pending, 'utf8'));
          pending = '';
        }
      }
      if (pending.length > 0) chunks.push(Buffer.from(pending, 'utf8'));
      chunks.push(TAIL);
      // the Bundle as a sequence of pieces of bytes: no single string of the whole answer
      sendResource(res, 200, new SerializedResource(chunks));
    } catch (e) {
      next(e);
    }
  };
}

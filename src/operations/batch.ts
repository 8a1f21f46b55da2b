import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseQueryString } from '../fhir/query-string';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { checkFormatParameter, refuseTableFormat, THIS_REQUEST } from '../fhir/fhir-format';
import { checkPrettyParameter } from '../fhir/pretty-json';
import { SerializedResource } from '../fhir/serialized';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { searchTerminology } from '../terminology/search';
import { checkEntryTypes, entryTarget, HISTORY_PATH, historyAt, isWritableType, notModified, readResource, refuseEntryConditions, resourceEtag, RESOURCE_PATH, SEARCH_PATH } from '../write/interactions';
import { WRITABLE_TYPES } from '../store/store-support';
import { readSubset } from '../fhir/resource-subset';
import type { ResourceWriter } from '../write/writer';
import type { TerminologyStore } from '../store/store';
import type { ProfileRegistry } from '../profile-validation/profile-registry';
import { callInput } from './call-input';
import { metadataResource } from './capability-statement';
import { ReadOnlyTypes } from './read-only-types';
import { AUDIT_POST_SEARCH_PATH, AUDIT_READ_PATH, AUDIT_SEARCH_PATHS, readAuditEvent, searchAudit } from '../write/audit-search';
import { methodNotAllowed } from '../errors/common-errors';
import type { Principal } from '../auth/verifier';
import { binaryResource, type OperationContext } from './context';
import { suppliedResources, takesTxResources } from './tx-resources';
import { errorAnswer, operationAt, type Invoker } from './invoke';
import type { Logger } from 'pino';
import { excerpt } from '../errors/excerpt';
import type { Bilingual } from '../errors/issue';
import { messageLanguageOf } from '../errors/message-language';

/**
 * Most bytes of answers one batch returns: entries after that are answered 422 too-costly (each answer is kept as
 * its bytes until the whole Bundle is sent; 10,000 $translate answers are about 7 MB).
 */
export const MAX_BATCH_RESPONSE_BYTES = 64 * 1024 * 1024;

const HEAD = Buffer.from('{"resourceType":"Bundle","type":"batch-response","entry":[', 'utf8');
const TRANSACTION_HEAD = Buffer.from('{"resourceType":"Bundle","type":"transaction-response","entry":[', 'utf8');
// FHIR JSON has no empty arrays: a response to a Bundle without entries has no `entry`
const EMPTY = Buffer.from('{"resourceType":"Bundle","type":"batch-response"}', 'utf8');
const EMPTY_TRANSACTION = Buffer.from('{"resourceType":"Bundle","type":"transaction-response"}', 'utf8');
const TAIL = Buffer.from(']}', 'utf8');
const COMMA = Buffer.from(',', 'utf8');

/** After this much computing the batch lets other requests (and its own request timeout) run before it goes on. */
const SLICE_MS = 20;

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 304: '304 Not Modified', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found', 405: '405 Method Not Allowed',
  406: '406 Not Acceptable', 408: '408 Request Timeout', 409: '409 Conflict', 410: '410 Gone', 412: '412 Precondition Failed', 413: '413 Payload Too Large',
  422: '422 Unprocessable Entity', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export interface BatchDeps {
  registry: TerminologyRegistry;
  /** The profiles the CapabilityStatement lists (a `GET metadata` entry). */
  profiles: ProfileRegistry;
  writer: ResourceWriter;
  /** The written versions (history and vread entries). */
  store: TerminologyStore;
  invoker: Invoker;
  /** Most entries one batch may have (MAX_BATCH_ENTRIES); 413 above. */
  maxEntries: number;
  /** MAX_BATCH_RESPONSE_BYTES unless given (tests). */
  maxResponseBytes?: number;
}

export interface BatchCall {
  context: OperationContext;
  /** `Prefer: handling=strict` of the request. */
  strict: boolean;
  /** `Prefer: handling=lenient` of the request: searches leave out parameters they do not know. */
  lenient?: boolean;
  /** True once the request no longer needs an answer (timed out, client gone): the rest is not computed. */
  abandoned(): boolean;
  /** Where an entry's unexpected error (its 500) is logged, with the request's id. */
  logger: Pick<Logger, 'error'>;
  /** The request's token verified for reading the audit log (a 401 AuthError without a valid one), once per request. */
  auditReader(): Promise<Principal>;
  /**
   * A write entry (create, update or delete) made as the same request alone would be, with the request's token: its
   * response entry. Without it, a write entry is 405.
   */
  write?(entry: BundleEntry, index: number, method: 'POST' | 'PUT' | 'DELETE', url: string): Promise<BundleEntry>;
}

/**
 * What an entry answers: an operation's serialized answer (its bytes, in pieces), a read or search as a resource, or
 * (a HEAD's success) the response alone.
 */
/** What a read's response says of the version read, as the route's ETag and Last-Modified headers do. */
type VersionInfo = { etag?: string; lastModified?: string };
/** `error`: what made it a server error (5xx), for the log. */
type ReadAnswer = { status: number; chunks: readonly Buffer[]; error?: unknown; etag?: string } | { status: 200; resource: Resource; version?: VersionInfo }
  | { status: number; responseOnly: true; version?: VersionInfo };
/** A write's answer is its response entry, as a transaction's. */
type EntryAnswer = ReadAnswer | { written: BundleEntry };

/**
 * A read or vread: the resource as the route gives it (`_summary`, `_elements`), and its version for the response; a
 * condition that holds is 304 without the resource, as the route answers.
 */
function readAnswer(resource: TerminologyResource, query: Record<string, unknown>, conditions: { ifNoneMatch?: string; modifiedSince?: number } = {}): ReadAnswer {
  const version: VersionInfo = { etag: resourceEtag(resource), ...(resource.meta?.lastUpdated ? { lastModified: resource.meta.lastUpdated } : {}) };
  if (notModified(conditions, version.etag!, resource.meta?.lastUpdated)) return { status: 304, responseOnly: true, version };
  return { status: 200, resource: readSubset(resource, query) as Resource, version };
}

/** A read's or vread's conditions: Bundle.entry.request.ifModifiedSince is an instant (a Date.parse of anything else is NaN: ignored, as the header's). */
function entryConditions(entry: BundleEntry): { ifNoneMatch?: string; modifiedSince?: number } {
  const since = entry.request?.ifModifiedSince;
  return { ifNoneMatch: entry.request?.ifNoneMatch, modifiedSince: since === undefined ? undefined : Date.parse(since) };
}

/**
 * One entry of a batch, answered as the same request on its own would be: operations through invoke (every one the
 * HTTP route takes, with its parameters from where the route takes them, `callInput`),
 * reads, searches (also `[type]/_search`, its parameters in the url; the StructureDefinitions and OperationDefinitions too; the audit log's, with the request's token) and `metadata` as their routes answer them, after the same check of `_format` in the url; HEAD as
 * the GET without its resource.
 */
async function answerEntry(entry: BundleEntry, i: number, deps: BatchDeps, call: BatchCall): Promise<EntryAnswer> {
  checkEntryTypes(entry, i);
  const method = entry?.request?.method;
  const url = entry?.request?.url;
  if (call.write && typeof url === 'string' && isWrite(method, url, call.context.baseUrl, deps.invoker)) return { written: await call.write(entry, i, method, url) };
  if (method !== 'HEAD') return answerRequest(entry, method, i, deps, call);
  const answer = await answerRequest(entry, 'GET', i, deps, call);
  // an error's outcome is part of the response, not a resource: it stays
  return answer.status < 300 ? { status: answer.status, responseOnly: true, ...('version' in answer ? { version: answer.version } : {}) } : answer;
}

/**
 * Whether an entry writes one of the types the server writes: a PUT or DELETE of it, or a POST of it (not an
 * operation, not `_search`). Another type's is answered as the request alone is (405).
 */
function isWrite(method: string | undefined, url: string, base: string, invoker: Invoker): method is 'POST' | 'PUT' | 'DELETE' {
  if (method !== 'PUT' && method !== 'DELETE' && method !== 'POST') return false;
  try {
    const { path } = entryTarget(url, base);
    const type = /^\/([A-Za-z]+)(?:\/|\?|$)/.exec(path)?.[1];
    if (!type || !isWritableType(type)) return false;
    return method !== 'POST' || (/^\/[A-Za-z]+\/?$/.test(path) && !operationAt(invoker, path));
  } catch {
    return false; // a url that is not the server's: requestOf says so
  }
}

/** What an entry's request addresses, read from its url once its form is checked (`requestOf`). */
interface EntryRequest {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  search: string;
  query: Record<string, unknown>;
  /** `[type]` or `[type]/[id]` (not a search or history path). */
  read: RegExpExecArray | null;
  operation: ReturnType<typeof operationAt>;
}

/**
 * A GET or POST entry's request (another method is 405), with the checks that need no answer: its url, query and
 * `_format`, and the conditions it may have (as the request alone: a read by id and a vread honour If-None-Match and
 * If-Modified-Since, 304; no entry honours another).
 */
function requestOf(entry: BundleEntry, method: string | undefined, i: number, base: string, invoker: Invoker): EntryRequest {
  const url = entry?.request?.url;
  if (typeof url !== 'string' || url.length === 0) throw FhirError.invalid(`Bundle.entry[${i}].request.url is missing`, { da: `Bundle.entry[${i}].request.url mangler` });
  if (method === 'PUT' || method === 'DELETE') throw notWritten(method, url, base);
  if (method !== 'GET' && method !== 'POST') throw notReadOrOperation({ en: String(method), da: String(method) });
  const { path, search } = entryTarget(url, base);
  const query = parseQueryString(search) as Record<string, unknown>;
  checkFormatParameter(query._format);
  checkPrettyParameter(query._pretty);
  const history = HISTORY_PATH.exec(path);
  const isSearch = SEARCH_PATH.test(path);
  const read = history || isSearch ? null : RESOURCE_PATH.exec(path);
  const readById = (read?.[2] !== undefined || history?.[3] !== undefined) && method === 'GET';
  const operation = operationAt(invoker, path);
  if (!operation) refuseTableFormat(query._format, THIS_REQUEST);
  // an operation's GET answer, tagged as the request alone has it, only for an entry that asks (a tag for every entry
  // of a 10,000-entry batch would cost a digest each)
  refuseEntryConditions(entry, i, readById ? ['ifNoneMatch', 'ifModifiedSince'] : operation && method === 'GET' ? ['ifNoneMatch'] : []);
  if (!operation && !read && !history && !isSearch && !ReadOnlyTypes.targetAt(path) && !AUDIT_SEARCH_PATHS.test(path) && !AUDIT_READ_PATH.test(path) && path !== '/metadata' && path !== '/metadata/') {
    throw notARequestHere(i, url);
  }
  return { url, method, path, search, query, read, operation };
}

function notARequestHere(i: number, url: string): FhirError {
  return FhirError.notFound(`Bundle.entry[${i}].request.url '${excerpt(url)}' is not a read or an operation of this server`, {
    da: `Bundle.entry[${i}].request.url '${excerpt(url)}' er hverken en læsning eller en operation på serveren`,
  });
}

/**
 * The reads (GET, HEAD) of a transaction checked before its writes, so that one that cannot be answered refuses the
 * whole transaction with nothing written (R4: all or nothing): its form (as `requestOf`), and that a read by id finds
 * a resource after the writes: one there now that the transaction does not delete, or one it writes (`writes`:
 * `Type/id` → the method). What an operation or a search answers depends on the writes; they are answered after them.
 */
export async function checkTransactionReads(reads: readonly { entry: BundleEntry; index: number }[], writes: ReadonlyMap<string, string>, deps: BatchDeps, base: string): Promise<void> {
  for (const { entry, index } of reads) {
    checkEntryTypes(entry, index);
    const method = entry.request?.method === 'POST' ? 'POST' : 'GET';
    const { read, operation } = requestOf(entry, method, index, base, deps.invoker);
    // what a transaction writes is its writes: an operation that changes state (an import, a package, a closure) is not one of its reads
    if (operation?.op?.affectsState) {
      throw FhirError.invalid(`Bundle.entry[${index}] calls $${operation.name}, which changes state; it is not part of a transaction: send it on its own`, {
        expression: [`Bundle.entry[${index}].request.url`], da: `Bundle.entry[${index}] kalder $${operation.name}, som ændrer tilstand; den kan ikke indgå i en transaktion: send den for sig`,
      });
    }
    if (operation || !read?.[2]) continue;
    const [, type, id] = read as unknown as [string, TerminologyType, string];
    const written = writes.get(`${type}/${id}`);
    if (written === 'PUT') continue;
    if (written === 'DELETE') {
      throw new FhirError(410, 'deleted', `Bundle.entry[${index}] reads ${type}/${id}, which the transaction deletes`, {
        expression: [`Bundle.entry[${index}].request.url`], da: `Bundle.entry[${index}] læser ${type}/${id}, som transaktionen sletter`,
      });
    }
    await readResource(deps.registry, deps.writer, type, id);
  }
}

/** A GET or POST entry (another method is 405) as the request alone. */
async function answerRequest(entry: BundleEntry, entryMethod: string | undefined, i: number, deps: BatchDeps, call: BatchCall): Promise<ReadAnswer> {
  const base = call.context.baseUrl;
  const { url, method, path, search, query, read, operation } = requestOf(entry, entryMethod, i, base, deps.invoker);
  if (operation) {
    const { type, id, name } = operation;
    const input = callInput(method, entry.resource, query, search);
    const ifNoneMatch = entry.request?.ifNoneMatch;
    const answer = await deps.invoker.invoke({
      type, id, name, method, input, strict: call.strict, etag: ifNoneMatch !== undefined, ifNoneMatch, context: call.context,
    });
    if (answer.table) throw FhirError.notSupported('A batch entry cannot answer a table', { da: 'En batch-post kan ikke besvares med en tabel' });
    const contentType = answer.headers?.['Content-Type'];
    // an answer in a media type of its own (BinaryContent) is the Binary resource in a Bundle
    if (contentType !== undefined) return { status: 200, resource: binaryResource(contentType, answer.chunks) };
    const etag = ifNoneMatch !== undefined ? answer.headers?.ETag : undefined;
    if (answer.status === 304) return { status: 304, responseOnly: true, version: { etag } };
    return { status: answer.status, chunks: answer.chunks, error: answer.error, ...(etag !== undefined ? { etag } : {}) };
  }
  if (path === '/metadata' || path === '/metadata/') {
    if (method !== 'GET') throw new FhirError(405, 'not-supported', `metadata is read with GET, not ${method}`, { da: `metadata læses med GET, ikke ${method}` });
    return { status: 200, resource: metadataResource(query, base, deps.registry, deps.profiles) };
  }
  const self = `${base}${path}${search ? `?${search}` : ''}`;
  // a search's own link: the search as a GET of [type] with the entry's parameters
  const searchSelf = (type: string) => `${base}/${type}${search ? `?${search}` : ''}`;
  const readOnly = ReadOnlyTypes.targetAt(path);
  if (readOnly) {
    const resource = new ReadOnlyTypes(deps.profiles).answer({
      path, method, query, self: readOnly.search ? searchSelf(readOnly.type) : self, baseUrl: base, lenient: call.lenient,
    });
    return { status: 200, resource };
  }
  if (AUDIT_SEARCH_PATHS.test(path)) {
    if (method === 'POST' && !AUDIT_POST_SEARCH_PATH.test(path)) throw methodNotAllowed(['GET'], 'The audit log is searched, not written', 'Revisionsloggen kan søges i, ikke skrives i');
    const principal = await call.auditReader();
    return { status: 200, resource: await searchAudit(deps.store, principal, query, searchSelf('AuditEvent'), base, { lenient: call.lenient }) };
  }
  const auditRead = AUDIT_READ_PATH.exec(path);
  if (auditRead) {
    if (method !== 'GET') throw methodNotAllowed(['GET'], 'The audit log is read, not written', 'Revisionsloggen kan læses, ikke skrives');
    return { status: 200, resource: await readAuditEvent(deps.store, await call.auditReader(), auditRead[1]!) };
  }
  if (HISTORY_PATH.test(path) && method === 'GET') {
    const answer = await historyAt(deps.store, deps.registry, path, query, self, base, { lenient: call.lenient });
    return answer.resourceType === 'Bundle' ? { status: 200, resource: answer } : readAnswer(answer, query, entryConditions(entry));
  }
  const searchPath = SEARCH_PATH.exec(path);
  if (searchPath) {
    if (entry.resource !== undefined) {
      throw FhirError.invalid(`Bundle.entry[${i}]: a search's parameters go in request.url, not in a resource`, {
        da: `Bundle.entry[${i}]: en søgnings parametre står i request.url, ikke i en ressource`,
      });
    }
    const type = searchPath[1] as TerminologyType;
    return { status: 200, resource: searchTerminology(deps.registry, type, query, searchSelf(type), base, { lenient: call.lenient }) };
  }
  if (read && read[2] === undefined && method === 'POST') {
    throw notWritten('POST', url, base);
  }
  if (read && method === 'GET') {
    const [, type, id] = read as unknown as [string, TerminologyType, string | undefined];
    if (id) return readAnswer(await readResource(deps.registry, deps.writer, type, id), query, entryConditions(entry));
    return { status: 200, resource: searchTerminology(deps.registry, type, query, self, base, { lenient: call.lenient }) };
  }
  throw notARequestHere(i, url);
}

/** 405 for a write entry of what the server does not write (another type, another server's url). */
function notWritten(method: string, url: string, base: string): FhirError {
  const { path } = entryTarget(url, base);
  const types = WRITABLE_TYPES.join(', ');
  return new FhirError(405, 'not-supported', `${method} of '${excerpt(path)}' is not a write this server makes: it writes ${types}`, {
    da: `${method} af '${excerpt(path)}' er ikke en skrivning, serveren udfører: den skriver ${types}`,
  });
}

/** 405 for an entry that is neither a read, an operation nor a write (`what` it is, in both languages). */
function notReadOrOperation(what: Bilingual): FhirError {
  return new FhirError(405, 'not-supported', `A batch entry is a read (GET or HEAD), an operation (GET, or POST of Parameters) or a write (POST of a type, PUT, DELETE), not ${what.en}`, {
    da: `En batch-post er en læsning (GET eller HEAD), en operation (GET, eller POST af Parameters) eller en skrivning (POST af en type, PUT, DELETE), ikke ${what.da}`,
  });
}

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}

/** The bytes around an operation's answer in its entry, per status: `{"resource":…,"response":{…}}` or `{"response":{…,"outcome":…}}`. */
const AROUND = new Map<number, [Buffer, Buffer]>();

function around(status: number): [Buffer, Buffer] {
  let kept = AROUND.get(status);
  if (!kept) {
    const text = JSON.stringify(statusText(status));
    kept = status < 300
      ? [Buffer.from('{"resource":', 'utf8'), Buffer.from(`,"response":{"status":${text}}}`, 'utf8')]
      : [Buffer.from(`{"response":{"status":${text},"outcome":`, 'utf8'), Buffer.from('}}', 'utf8')];
    if (AROUND.size < 100) AROUND.set(status, kept);
  }
  return kept;
}

/**
 * The bytes of a batch-response entry, what JSON.stringify gives for `{ resource, response }` or `{ response: {
 * status, outcome } }`: an operation's answer as it is, between the bytes around it.
 */
function entryBytes(answer: EntryAnswer): readonly Buffer[] {
  if ('written' in answer) return [Buffer.from(JSON.stringify(answer.written), 'utf8')];
  if ('resource' in answer) return [Buffer.from(JSON.stringify({ resource: answer.resource, response: { status: '200 OK', ...answer.version } }), 'utf8')];
  if ('responseOnly' in answer) return [Buffer.from(JSON.stringify({ response: { status: statusText(answer.status), ...answer.version } }), 'utf8')];
  if (answer.etag !== undefined) {
    const response = JSON.stringify({ status: statusText(answer.status), etag: answer.etag });
    return [around(answer.status)[0], ...answer.chunks, Buffer.from(`,"response":${response}}`, 'utf8')];
  }
  const [before, after] = around(answer.status);
  return [before, ...answer.chunks, after];
}

/** The bytes of a response Bundle of these entries' bytes, in order. */
export function responseBundle(type: 'batch-response' | 'transaction-response', entries: readonly (readonly Buffer[])[]): SerializedResource {
  if (entries.length === 0) return new SerializedResource([type === 'batch-response' ? EMPTY : EMPTY_TRANSACTION]);
  const chunks: Buffer[] = [type === 'batch-response' ? HEAD : TRANSACTION_HEAD];
  entries.forEach((entry, i) => {
    if (i > 0) chunks.push(COMMA);
    chunks.push(...entry);
  });
  chunks.push(TAIL);
  return new SerializedResource(chunks);
}

/**
 * Entries that read (or call an operation), each answered on its own, in order, as a batch answers them: the bytes of
 * each one's entry in the response Bundle (an error in one is that entry's answer, in the request's language as the
 * request alone would have it). `index`: the entry's place in its Bundle, which its refusals name. Undefined when the
 * call was abandoned on the way.
 */
export async function answerEntries(items: readonly { entry: BundleEntry; index: number }[], deps: BatchDeps, call: BatchCall): Promise<Buffer[][] | undefined> {
  const maxBytes = deps.maxResponseBytes ?? MAX_BATCH_RESPONSE_BYTES;
  const lang = messageLanguageOf(call.context.acceptLanguages);
  const out: Buffer[][] = [];
  let bytes = 0;
  let sliceStart = performance.now();
  for (const { entry, index: i } of items) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    if (call.abandoned()) return undefined;
    let answer: EntryAnswer;
    try {
      if (bytes > maxBytes) {
        throw new FhirError(422, 'too-costly', `The answers of this Bundle's entries exceed ${maxBytes} bytes from entry ${i} on; send the remaining entries in another batch`, {
          da: `Svarene på Bundle'ens poster overstiger ${maxBytes} bytes fra post ${i} og frem; send de resterende poster i en anden batch`,
        });
      }
      answer = await answerEntry(entry, i, deps, call);
    } catch (e) {
      const error = errorAnswer(e, lang);
      answer = { status: error.status, chunks: error.chunks, error: error.error };
    }
    if ('error' in answer && answer.error !== undefined) call.logger.error({ err: answer.error, entry: i }, 'batch entry failed');
    const chunks = [...entryBytes(answer)];
    for (const chunk of chunks) bytes += chunk.length;
    out.push(chunks);
  }
  return out;
}

/**
 * What the entries calling an operation that takes `tx-resource` supply in their Parameters bodies: an unsealed client
 * cache takes it before any entry is answered, whatever their outcomes (the FHIR tooling IG), so that an entry may name
 * by url a resource another entry carries. Entries that are not such calls supply nothing (each is answered for itself).
 */
function suppliedByEntries(entries: readonly BundleEntry[], base: string, invoker: Invoker): TerminologyResource[] {
  const bodies = entries.flatMap((entry) => {
    const url = entry?.request?.url;
    if (typeof url !== 'string' || entry.resource?.resourceType !== 'Parameters') return [];
    try {
      const op = operationAt(invoker, entryTarget(url, base).path)?.op;
      return op && takesTxResources(op.spec) ? [entry.resource] : [];
    } catch {
      return [];
    }
  });
  return suppliedResources(bodies);
}

/**
 * A `batch` Bundle: every entry answered on its own, in order, in one `batch-response` (one status per entry; an
 * error in one entry is that entry's answer, in the batch request's language as the request alone would have it). A
 * write entry is made on its own (`call.write`), not with the others as a transaction's are. A Bundle without entries gets a `batch-response` without entries (R4: one
 * entry per entry of the request). The answer is the Bundle's bytes in pieces (no single string of the whole
 * answer); undefined when the call was abandoned on the way.
 */
export async function answerBatch(bundle: Bundle, deps: BatchDeps, call: BatchCall): Promise<SerializedResource | undefined> {
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw FhirError.invalid('Bundle.entry must be an array', { da: 'Bundle.entry skal være en liste' });
  if (entries.length > deps.maxEntries) {
    throw new FhirError(413, 'too-long', `The batch has ${entries.length} entries; at most ${deps.maxEntries} are answered in one batch`, {
      da: `Batchen har ${entries.length} poster; højst ${deps.maxEntries} besvares i én batch`,
    });
  }
  const cache = call.context.clientCache;
  if (cache && cache.caches.sealed(cache.id) === false) cache.caches.grow(cache.id, suppliedByEntries(entries, call.context.baseUrl, deps.invoker));
  const answers = await answerEntries(entries.map((entry, index) => ({ entry, index })), deps, call);
  return answers && responseBundle('batch-response', answers);
}

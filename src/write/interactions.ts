import { contentEtag, REVALIDATE } from '../fhir/content-etag';
import { startOfDate } from '../fhir/date-time';
import type { Bundle, BundleEntry, OperationOutcome } from 'fhir/r4';
import type { PreferReturn } from '../fhir/prefer-handling';
import { pageBundle, pageLinks } from '../fhir/search';
import { searchCount, searchOffset, searchText } from '../fhir/search-query';
import { FhirError } from '../errors/fhir-error';
import { methodNotAllowed, notKnown } from '../errors/common-errors';
import type { MessageLanguage } from '../errors/message-language';
import { operationOutcome } from '../errors/operation-outcome';
import { messageIssue } from '../errors/issue';
import { toOutcomeIssue } from '../municipal/rule-issues';
import type { StoredVersion, TerminologyStore } from '../store/store';
import { FHIR_ID, versionNumber, WRITABLE_TYPES } from '../store/store-support';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import type { ResourceWriter, WriteRequest, WriteResult } from './writer';
import { excerpt } from '../errors/excerpt';
import { fullUrlDisagreement } from '../fhir/bundle-full-url';
import { sharedFhirSchemaValidator } from '../fhir/schema-validator';
import { readableSearch } from './conditional-match';
import { checkFormatParameter, refuseTableFormat, THIS_REQUEST } from '../fhir/fhir-format';
import { checkPrettyParameter } from '../fhir/pretty-json';
import { parseQueryString } from '../fhir/query-string';

/**
 * The FHIR interactions on the terminology resources besides the operations, from typed requests to resources:
 * read, vread, history, and what a write or transaction answers. Nothing of HTTP: the routes (src/http/routes/) give
 * them ids, queries and the Prefer header's `return`, and write what they return.
 */

/**
 * The path of a search of a terminology type or a read of one of its resources: `/{type}` or `/{type}/{id}`, the id as
 * given (`readResource` checks it), for the read route and a batch entry alike.
 */
export const RESOURCE_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([^/$][^/]*))?\/?$/;

/** A search's other path, `[type]/_search` (FHIR's search by POST; also taken by GET): the same search as `[type]`, for the search route and a batch entry alike. */
export const SEARCH_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)\/_search\/?$/;

/**
 * The methods a resource path takes (the routes of src/http/routes/reads.ts and writes.ts): search and create on
 * `/{type}`; read, update and delete on `/{type}/{id}`, read only of a published catalog resource (the writer refuses
 * its update and delete), read and update of a pick list computed from the catalogs (not stored: not deleted).
 */
export function resourceMethods(writer: ResourceWriter, type: TerminologyType, id: string | undefined): string[] {
  // a type takes PUT and DELETE with a search: conditional update and delete
  if (id === undefined) return ['GET', 'POST', 'PUT', 'DELETE'];
  return writer.isPublished(type, id) ? ['GET'] : writer.isComputed(type, id) ? ['GET', 'PUT'] : ['GET', 'PUT', 'DELETE'];
}

/** 405 for a method a resource path does not take, with the Allow header of those it does (`resourceMethods`). */
export function resourceMethodNotAllowed(writer: ResourceWriter, type: TerminologyType, id: string | undefined, message: string, da: string): FhirError {
  return methodNotAllowed(resourceMethods(writer, type, id), message, da);
}

export function isWritableType(type: string): type is TerminologyType {
  return (WRITABLE_TYPES as readonly string[]).includes(type);
}

/** The id of a URL, checked before it is used to ask the store: [A-Za-z0-9-.]{1,64} but `.` and `..`, else 400. */
export function validId(id: string): string {
  if (!FHIR_ID.test(id)) {
    throw FhirError.invalid(`'${excerpt(id)}' is not a valid resource id (1-64 of A-Z, a-z, 0-9, '-' and '.', not '.' or '..' alone)`, {
      da: `'${excerpt(id)}' er ikke et gyldigt ressource-id (1-64 af A-Z, a-z, 0-9, '-' og '.', ikke '.' eller '..' alene)`,
    });
  }
  return id;
}

/**
 * Whether an If-None-Match value matches the current tag (weak comparison, RFC 9110 §13.1.2, or `*`): 304 for a read,
 * 412 for a write (the writer asks only when there is a current version).
 */
export function ifNoneMatchHolds(ifNoneMatch: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').map(opaque).includes(opaque(etag));
}

/**
 * The time an If-Unmodified-Since or If-Modified-Since header names: an HTTP-date (RFC 9110 §5.6.7, IMF-fixdate or
 * one of the two obsolete forms); undefined for any other text, which RFC 9110 §13.1.3–4 say the recipient ignores.
 */
export function parseHttpDate(value: string): number | undefined {
  const day = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
  const month = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
  const forms = [
    new RegExp(`^${day}, \\d{2} ${month} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`),
    new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${month}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`),
    new RegExp(`^${day} ${month} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`),
  ];
  const text = value.trim();
  const time = forms.some((f) => f.test(text)) ? Date.parse(text.endsWith('GMT') ? text : `${text} GMT`) : NaN;
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Whether a read is answered 304 Not Modified (RFC 9110 §13.2.2): If-None-Match when given (it matches the current
 * tag), else If-Modified-Since, as a time (the header's HTTP-date, a Bundle entry's instant; undefined when it is
 * neither, and then ignored): the resource was last modified at or before it.
 */
export function notModified(conditions: { ifNoneMatch?: string; modifiedSince?: number }, etag: string, lastModified: string | undefined): boolean {
  if (conditions.ifNoneMatch !== undefined) return ifNoneMatchHolds(conditions.ifNoneMatch, etag);
  if (conditions.modifiedSince === undefined || Number.isNaN(conditions.modifiedSince) || lastModified === undefined) return false;
  // Last-Modified is given to the second
  return Math.floor(Date.parse(lastModified) / 1000) * 1000 <= conditions.modifiedSince;
}

/** A Bundle entry's conditions (`request.*`), as the headers they stand for. */
const ENTRY_CONDITIONS = { ifNoneExist: 'If-None-Exist', ifMatch: 'If-Match', ifNoneMatch: 'If-None-Match', ifModifiedSince: 'If-Modified-Since' } as const;
export type EntryCondition = keyof typeof ENTRY_CONDITIONS;

/** The elements of Bundle.entry.request this server reads: each is text in R4 (string, uri, instant). */
const REQUEST_TEXTS = ['method', 'url', 'ifNoneMatch', 'ifModifiedSince', 'ifMatch', 'ifNoneExist'] as const;
const CONDITIONS = Object.entries(ENTRY_CONDITIONS) as [EntryCondition, string][];

function notText(value: unknown, where: string): FhirError {
  const given = excerpt(JSON.stringify(value));
  return FhirError.invalid(`${where} must be a string, not ${given}`, { expression: [where], da: `${where} skal være en tekst, ikke ${given}` });
}

/**
 * 400 for a Bundle entry whose fullUrl, request or an element of the request this server reads is given but is not of
 * its R4 type (text; the request an object). Checked for every entry of a batch: nothing is made unless one is wrong.
 */
export function checkEntryTypes(entry: BundleEntry | undefined, i: number): void {
  const fullUrl: unknown = entry?.fullUrl;
  if (fullUrl !== undefined && typeof fullUrl !== 'string') throw notText(fullUrl, `Bundle.entry[${i}].fullUrl`);
  const request: unknown = entry?.request;
  if (request === undefined) return;
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    const where = `Bundle.entry[${i}].request`;
    throw FhirError.invalid(`${where} must be a JSON object`, { expression: [where], da: `${where} skal være et JSON-objekt` });
  }
  for (const field of REQUEST_TEXTS) {
    const value = (request as Record<string, unknown>)[field];
    if (value !== undefined && typeof value !== 'string') throw notText(value, `Bundle.entry[${i}].request.${field}`);
  }
}

/**
 * 400 for a condition a Bundle entry asks that its request alone would not honour (`honoured`: those it would): the
 * entry is refused, never carried out as if it had none.
 */
export function refuseEntryConditions(entry: BundleEntry | undefined, i: number, honoured: readonly EntryCondition[]): void {
  for (const [field, header] of CONDITIONS) {
    if (entry?.request?.[field] === undefined || honoured.includes(field)) continue;
    const where = `Bundle.entry[${i}].request.${field}`;
    throw field === 'ifNoneExist'
      ? FhirError.invalid(`${where}: If-None-Exist is the condition of a create (POST [type]) only`, { expression: [where], da: `${where}: If-None-Exist er kun betingelsen for en oprettelse (POST [type])` })
      : FhirError.notSupported(`${where}: the condition ${header} is not supported for this request`, { expression: [where], da: `${where}: betingelsen ${header} understøttes ikke for denne forespørgsel` });
  }
}

/**
 * Whether a request writes: a create, update or delete of a CodeSystem, ValueSet or ConceptMap (or another method on
 * such a path), or a transaction (`path` relative to the FHIR base). Municipal staff read what such a request is
 * answered, so its messages follow `primaryLanguage`: Danish unless the caller prefers English.
 */
export function isWriteRequest(method: string, path: string, body: unknown): boolean {
  if (path === '' || path === '/') return method === 'POST' && (body as { type?: unknown } | undefined)?.type === 'transaction';
  const resource = RESOURCE_PATH.exec(path);
  const id = resource?.[2];
  if (!resource || id === '_search' || id === '_history') return false;
  return method === 'POST' ? id === undefined : method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

export function etagOf(versionId: string): string {
  return `W/"${versionId}"`;
}

const contentTags = new WeakMap<object, string>();

/**
 * The ETag a read of the resource answers with: W/"versionId" for a written one; a published one has no version id,
 * so its tag is a digest of its content, made once per resource object (a package loaded anew makes new objects), so
 * that a client holding a catalog can ask If-None-Match and get 304 instead of the catalog again.
 */
export function resourceEtag(resource: TerminologyResource): string {
  if (resource.meta?.versionId) return etagOf(resource.meta.versionId);
  let tag = contentTags.get(resource);
  if (tag === undefined) {
    tag = contentEtag([JSON.stringify(resource)]);
    contentTags.set(resource, tag);
  }
  return tag;
}

/** ETag (resourceEtag), Cache-Control (REVALIDATE) and, for a resource that has meta.lastUpdated (a written one), Last-Modified. */
export function versionHeaders(resource: TerminologyResource): Record<string, string> {
  const headers: Record<string, string> = { ETag: resourceEtag(resource), 'Cache-Control': REVALIDATE };
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  return headers;
}

/** The resource a read answers: 404 when unknown, 410 when its latest written version is a delete. */
export async function readResource(registry: TerminologyRegistry, writer: ResourceWriter, type: TerminologyType, id: string): Promise<TerminologyResource> {
  const resource = registry.byId(type, id);
  if (resource) return resource;
  if (await writer.isDeleted(type, validId(id))) throw new FhirError(410, 'deleted', `${type}/${id} has been deleted`, { da: `${type}/${id} er slettet` });
  throw notKnown(type, id);
}

/** `{type}/{id}/_history/{vid}`: 404 for an unknown version, 410 for a delete. */
export async function readVersion(store: TerminologyStore, type: TerminologyType, id: string, vid: string): Promise<TerminologyResource> {
  validId(id);
  const noVersion = (shown: string) => FhirError.notFound(`${type}/${id} has no version ${shown}`, { da: `${type}/${id} har ingen version ${shown}` });
  if (versionNumber(vid) === undefined) throw noVersion(excerpt(vid));
  const v = await store.readVersion(type, id, vid);
  if (!v) throw noVersion(vid);
  if (!v.resource) throw new FhirError(410, 'deleted', `${type}/${id} version ${vid} is a delete`, { da: `${type}/${id} version ${vid} er en sletning` });
  return v.resource;
}

/**
 * A version's entry in a history: the request that made it (R4 http.html#history), POST to the type or PUT or DELETE
 * to its id, and the status that request was answered with (a delete too is answered 200, with an OperationOutcome).
 */
function historyEntry(base: string, v: StoredVersion): BundleEntry {
  const path = `${v.resourceType}/${v.id}`;
  const method = v.requestMethod ?? (v.method === 'create' ? 'POST' : v.method === 'update' ? 'PUT' : 'DELETE');
  return {
    fullUrl: `${base}/${path}`,
    ...(v.resource ? { resource: v.resource } : {}),
    request: { method, url: method === 'POST' ? v.resourceType : path },
    response: {
      status: v.method === 'create' ? '201 Created' : '200 OK',
      etag: etagOf(v.versionId),
      lastModified: v.lastUpdated,
    },
  };
}

/**
 * `{type}/{id}/_history`: the written versions, newest first, from `_since` on, in pages of `_count` (`_offset`), as
 * the history of a type; a published resource as its one version.
 */
export async function history(
  store: TerminologyStore, registry: TerminologyRegistry, type: TerminologyType, id: string, query: Record<string, unknown>, selfUrl: string, base: string,
  options: HistoryOptions = {},
): Promise<Bundle> {
  const ignored = checkHistoryParams(query, options);
  const count = searchCount(query);
  const offset = searchOffset(query);
  const since = instantOf(query, '_since');
  const pinned = instantOf(query, '_until');
  const from = (lastUpdated: string | undefined) => since === undefined || (lastUpdated !== undefined && Date.parse(lastUpdated) >= Date.parse(since));
  const versions = await store.history(type, validId(id));
  let entries: BundleEntry[];
  let until = pinned;
  if (versions.length > 0) {
    const listed = versions.filter((v) => from(v.lastUpdated) && (pinned === undefined || v.lastUpdated <= pinned));
    until ??= listed[0]?.lastUpdated;
    entries = listed.map((v) => historyEntry(base, v));
  } else {
    const published = registry.byId(type, id);
    if (!published) throw notKnown(type, id);
    // a published resource's one version is as old as its meta says (and without one, from before any _since)
    entries = !from(published.meta?.lastUpdated) ? []
      : [{ fullUrl: `${base}/${type}/${id}`, resource: published, request: { method: 'PUT', url: `${type}/${id}` }, response: { status: '200 OK' } }];
  }
  return pageBundle('history', entries.length, pageLinks(selfUrl, ignored, offset, count, entries.length, { _until: until }), entries.slice(offset, offset + count));
}

/** `Prefer: handling=lenient`: unknown parameters are left out (of the links too) instead of refused, as in a search. */
export interface HistoryOptions {
  lenient?: boolean;
}

/** The query's parameters a history does not take: refused, or with `lenient` returned, to be left out of the links. */
function checkHistoryParams(query: Record<string, unknown>, options: HistoryOptions): Set<string> {
  const ignored = new Set<string>();
  for (const key of Object.keys(query)) {
    if (!HISTORY_PARAMS.has(key)) {
      if (options.lenient) {
        ignored.add(key);
        continue;
      }
      // R4's _at and _list are not served: a history here is filtered by _since and _until
      throw FhirError.invalid(`Unknown parameter '${excerpt(key)}' of _history (it takes _since, _until, _count and _offset)`, {
        expression: [excerpt(key)], da: `Ukendt parameter '${excerpt(key)}' til _history (den tager _since, _until, _count og _offset)`,
      });
    }
  }
  return ignored;
}

/** A FHIR instant (`_since`, `_until`), or a date taken as its first instant in UTC. */
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The instant `_since` or `_until` names. `_until` is what the links to a history's other pages carry: the lastUpdated
 * of the newest version its first page was read with (versions written after it are left out, so that they do not
 * shift the pages a client has yet to read).
 */
function instantOf(query: Record<string, unknown>, name: '_since' | '_until'): string | undefined {
  const raw = searchText(query, name);
  if (raw === undefined) return undefined;
  // a day of the calendar and a time of the day (startOfDate): Date.parse would read 2026-02-30 as March 2nd
  const time = INSTANT.test(raw) ? startOfDate(raw) : undefined;
  if (time === undefined) {
    throw FhirError.invalid(`${name} must be an instant such as 2026-01-31T12:00:00Z (or a date such as 2026-01-31), not '${excerpt(raw)}'`, {
      expression: [name], da: `${name} skal være et tidspunkt som 2026-01-31T12:00:00Z (eller en dato som 2026-01-31), ikke '${excerpt(raw)}'`,
    });
  }
  return new Date(time).toISOString();
}

/**
 * `[type]/_history` and `_history` (type undefined): the written versions of every resource, or of one type's,
 * newest first, `_since` an instant, in pages of `_count` (`_offset`, with next and previous links). The published
 * catalogs are not written, so they are not in it (their one version is in `[type]/[id]/_history`).
 */
export async function historyOfAll(store: TerminologyStore, type: TerminologyType | undefined, query: Record<string, unknown>, selfUrl: string, base: string,
  options: HistoryOptions = {}): Promise<Bundle> {
  const ignored = checkHistoryParams(query, options);
  const count = searchCount(query);
  const offset = searchOffset(query);
  const pinned = instantOf(query, '_until');
  const page = await store.historyPage({ type, since: instantOf(query, '_since'), until: pinned, offset, count });
  const until = pinned ?? page.newest;
  return pageBundle('history', page.total, pageLinks(selfUrl, ignored, offset, count, page.total, { _until: until }), page.versions.map((v) => historyEntry(base, v)));
}

const HISTORY_PARAMS: ReadonlySet<string> = new Set(['_since', '_until', '_count', '_offset', '_format', '_pretty']);

/**
 * The history interactions' paths (relative to the FHIR base), for their route and a batch entry alike: `/_history`,
 * `/{type}/_history`, `/{type}/{id}/_history` and `/{type}/{id}/_history/{vid}`; the id as given (`validId` checks it).
 */
export const HISTORY_PATH = /^\/(?:(CodeSystem|ValueSet|ConceptMap)\/(?:([^/]+)\/_history(?:\/([^/]+))?|_history)|_history)\/?$/;

/** What a HISTORY_PATH asks for: the history Bundle of all, of a type or of one resource, or the version a vread names. */
export function historyAt(store: TerminologyStore, registry: TerminologyRegistry, path: string, query: Record<string, unknown>, selfUrl: string, base: string,
  options: HistoryOptions = {}): Promise<Bundle | TerminologyResource> {
  const [, type, id, vid] = HISTORY_PATH.exec(path) as unknown as [string, TerminologyType | undefined, string | undefined, string | undefined];
  if (vid !== undefined) return readVersion(store, type!, id!, vid);
  if (id !== undefined) return history(store, registry, type!, id, query, selfUrl, base, options);
  return historyOfAll(store, type, query, selfUrl, base, options);
}

/** The OperationOutcome of a write: what was done, and the write rules' warnings. */
export function writeOutcome(r: WriteResult, lang: MessageLanguage): OperationOutcome {
  const what = `${r.resourceType}/${r.id}`;
  const text = r.matched ? {
    en: `Not created: ${what}${r.version ? ` (version ${r.version.versionId})` : ''} matches If-None-Exist ${readableSearch(r.request.ifNoneExist ?? '')}; nothing was written`,
    da: `Ikke oprettet: ${what}${r.version ? ` (version ${r.version.versionId})` : ''} passer på If-None-Exist ${readableSearch(r.request.ifNoneExist ?? '')}; intet er skrevet`,
  }
    : r.nothingMatched ? {
      en: `No ${r.resourceType} matches the search '${readableSearch(r.request.search ?? '')}'; nothing was deleted`,
      da: `Ingen ${r.resourceType} passer på søgningen '${readableSearch(r.request.search ?? '')}'; intet er slettet`,
    }
    : !r.version && r.neverWritten ? { en: `${what} does not exist; nothing was deleted`, da: `${what} findes ikke; intet er slettet` }
    : !r.version ? { en: `${what} was already deleted`, da: `${what} var allerede slettet` }
    : r.version.method === 'delete' ? { en: `Deleted ${what} (version ${r.version.versionId})`, da: `Slettet: ${what} (version ${r.version.versionId})` }
      : r.unchanged ? {
        en: `Unchanged: ${what} has this content at version ${r.version.versionId} already; no new version was made`,
        da: `Uændret: ${what} har allerede dette indhold i version ${r.version.versionId}; der er ikke lavet en ny version`,
      }
      : r.version.method === 'create' ? { en: `Created ${what} (version ${r.version.versionId})`, da: `Oprettet: ${what} (version ${r.version.versionId})` }
        : { en: `Updated ${what} (version ${r.version.versionId})`, da: `Opdateret: ${what} (version ${r.version.versionId})` };
  return operationOutcome([messageIssue({ severity: 'information', code: 'informational', text }, lang), ...r.warnings.map((w) => toOutcomeIssue(w, lang))]);
}

/**
 * A Bundle entry's request.url as a path below the FHIR base (with its leading `/`) and its query: `[base]/x`, `/x`
 * and `x` are all `/x`. The one rule for a batch's and a transaction's entries.
 */
export function entryTarget(url: string, base: string): { path: string; search: string } {
  const rel = url.startsWith(`${base}/`) ? url.slice(base.length) : url.startsWith('/') ? url : `/${url}`;
  const q = rel.indexOf('?');
  return q < 0 ? { path: rel, search: '' } : { path: rel.slice(0, q), search: rel.slice(q + 1) };
}

/** A path ending in an operation's name (`…/$expand`). */
const OPERATION_NAME = /\/\$[A-Za-z-]+$/;

/** A transaction's entries: its writes, and its reads (GET, HEAD, and operations called by POST), each with its place in the Bundle. */
export interface TransactionEntries {
  writes: WriteRequest[];
  /** Answered after the writes, as a batch answers them (src/operations/batch.ts). */
  reads: { entry: BundleEntry; index: number }[];
  /** How many entries the Bundle has. */
  size: number;
}

/**
 * The entries of a transaction Bundle: writes (POST of [type], PUT and DELETE of [type]/[id]) and reads (GET and
 * HEAD, of anything a batch entry reads); 400 or 413 for one that is neither. A Bundle without entries has neither,
 * and is answered as one (an empty `transaction-response`; nothing to authorise, nothing written).
 */
export function transactionRequests(bundle: Bundle | undefined, base: string, maxEntries: number): TransactionEntries {
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw FhirError.invalid('POST to the base URL needs a Bundle of type transaction or batch', { da: 'POST til basis-URL\'en kræver en Bundle af typen transaction eller batch' });
  }
  if (bundle.type !== 'transaction') {
    const given = excerpt(String(bundle.type));
    throw FhirError.notSupported(`Only transaction and batch Bundles are supported, not '${given}'`, { da: `Kun Bundles af typen transaction og batch understøttes, ikke '${given}'` });
  }
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (entries.length > maxEntries) {
    throw new FhirError(413, 'too-long', `The transaction has ${entries.length} entries; at most ${maxEntries} are accepted in one transaction`, {
      da: `Transaktionen har ${entries.length} poster; højst ${maxEntries} modtages i én transaktion`,
    });
  }
  const fullUrls = new Map<string, number>();
  const writes: WriteRequest[] = [];
  const reads: TransactionEntries['reads'] = [];
  entries.forEach((entry, i) => {
    checkEntryTypes(entry, i);
    const method = entry?.request?.method;
    const url = entry?.request?.url;
    const where = `Bundle.entry[${i}].request`;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
      throw FhirError.invalid(`${where}.method must be GET, HEAD, POST, PUT or DELETE`, { expression: [`${where}.method`], da: `${where}.method skal være GET, HEAD, POST, PUT eller DELETE` });
    }
    if (typeof url !== 'string' || url === '') throw FhirError.invalid(`${where}.url is missing`, { expression: [`${where}.url`], da: `${where}.url mangler` });
    // an operation called by POST is answered after the writes, as the reads are (one that changes state is refused there)
    if (method === 'GET' || method === 'HEAD' || (method === 'POST' && OPERATION_NAME.test(entryTarget(url, base).path))) {
      reads.push({ entry, index: i });
      return;
    }
    writes.push(writeRequestOf(entry, i, method, url, base, fullUrls));
  });
  return { writes, reads, size: entries.length };
}

/**
 * A write entry (POST of [type], PUT or DELETE of [type]/[id] or [type]?[search]) of a transaction or a batch as the
 * request it makes; `fullUrls`: the fullUrls of the Bundle's entries so far (bdl-7), this one's added.
 */
export function writeRequestOf(entry: BundleEntry, i: number, method: 'POST' | 'PUT' | 'DELETE', url: string, base: string, fullUrls: Map<string, number>): WriteRequest {
  const where = `Bundle.entry[${i}].request`;
  // as PUT and DELETE on their own: If-Match and If-None-Match are honoured (412 when one fails), no other condition is
  refuseEntryConditions(entry, i, method === 'POST' ? ['ifMatch', 'ifNoneMatch', 'ifNoneExist'] : ['ifMatch', 'ifNoneMatch']);
  // PUT and DELETE name their resource by id, or by a search (conditional update and delete); _format and _pretty
  // are checked as for the request alone, and are no search
  const target = entryTarget(url, base);
  const { path } = target;
  const search = withoutFormat(target.search);
  const m = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([A-Za-z0-9\-.]{1,64}))?$/.exec(path);
  const conditional = method !== 'POST' && m?.[2] === undefined && search !== '';
  if (!m || (search !== '' && !conditional) || ((method === 'POST') !== (m[2] === undefined) && !conditional)) {
    throw FhirError.invalid(`${where}.url '${excerpt(url)}' must be [type] for POST, or [type]/[id] or [type]?[search] for PUT and DELETE (CodeSystem, ValueSet, ConceptMap)`, {
      expression: [`${where}.url`],
      da: `${where}.url '${excerpt(url)}' skal være [type] for POST, eller [type]/[id] eller [type]?[søgning] for PUT og DELETE (CodeSystem, ValueSet, ConceptMap)`,
    });
  }
  const fullUrl = entryFullUrl(entry, i, method === 'POST' || conditional ? undefined : `${m[1]}/${m[2]}`);
  if (fullUrl !== undefined) {
    // bdl-7: one fullUrl names one entry, which references to it are resolved to
    const first = fullUrls.get(fullUrl);
    if (first !== undefined) {
      const at = `Bundle.entry[${i}].fullUrl`;
      throw FhirError.invalid(`${at} '${excerpt(fullUrl)}' is Bundle.entry[${first}]'s too; a fullUrl must be unique in a transaction (bdl-7)`, {
        expression: [at], da: `${at} '${excerpt(fullUrl)}' er også Bundle.entry[${first}]'s; en fullUrl skal være entydig i en transaktion (bdl-7)`,
      });
    }
    fullUrls.set(fullUrl, i);
  }
  return {
    method, resourceType: m[1]!, id: m[2], body: entry.resource, ifMatch: entry.request?.ifMatch, ifNoneMatch: entry.request?.ifNoneMatch,
    ifNoneExist: entry.request?.ifNoneExist, entry: i, fullUrl, ...(conditional ? { search } : {}),
  };
}

/** A write entry's query without `_format` and `_pretty`, once they are checked (406 for a table format, as the write alone). */
function withoutFormat(search: string): string {
  if (search === '') return search;
  const query = parseQueryString(search);
  if (query._format === undefined && query._pretty === undefined) return search;
  checkFormatParameter(query._format);
  checkPrettyParameter(query._pretty);
  refuseTableFormat(query._format, THIS_REQUEST);
  // by the parameter's name as the query's parser reads it (percent-encoded too)
  const nameOf = (part: string) => Object.keys(parseQueryString(part))[0];
  return search.split('&').filter((part) => nameOf(part) !== '_format' && nameOf(part) !== '_pretty').join('&');
}

/**
 * A transaction entry's fullUrl (text: checkEntryTypes), for the references to it; refused when it is RESTful and
 * names another resource than the entry writes (`target`, the `Type/id` of a PUT's or DELETE's url; for a create, its
 * resource's type and id when it has one), as R4 has it and `$validate` checks it (src/fhir/bundle-full-url.ts).
 */
function entryFullUrl(entry: BundleEntry, i: number, target: string | undefined): string | undefined {
  const fullUrl = entry.fullUrl;
  if (fullUrl === undefined) return undefined;
  const where = `Bundle.entry[${i}].fullUrl`;
  const resource = entry.resource as { resourceType?: unknown; id?: unknown } | undefined;
  const own = target ?? (typeof resource?.resourceType === 'string' && typeof resource.id === 'string' ? `${resource.resourceType}/${resource.id}` : undefined);
  const problem = own === undefined ? undefined
    : fullUrlDisagreement(fullUrl, own, target === undefined ? 'resource' : 'request', (type) => sharedFhirSchemaValidator().isResourceType(type));
  if (problem) throw FhirError.invalid(`${where}: ${problem.en}`, { expression: [where], da: `${where}: ${problem.da}` });
  return fullUrl;
}

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 201: '201 Created' };

/** A write's entry in the transaction-response Bundle. */
export function transactionResponseEntry(r: WriteResult, base: string, prefer: PreferReturn, lang: MessageLanguage): BundleEntry {
  const resource = r.version?.resource ?? r.matched;
  return {
    ...(resource && prefer === 'representation' ? { fullUrl: `${base}/${r.resourceType}/${r.id}`, resource } : {}),
    response: {
      status: STATUS_TEXT[r.status]!,
      ...(r.version?.resource ? { location: `${r.resourceType}/${r.id}/_history/${r.version.versionId}`, etag: etagOf(r.version.versionId), lastModified: r.version.lastUpdated }
        : resource ? { location: `${r.resourceType}/${r.id}`, etag: resourceEtag(resource) } : {}),
      ...(r.warnings.length > 0 || prefer === 'OperationOutcome' ? { outcome: writeOutcome(r, lang) } : {}),
    },
  };
}

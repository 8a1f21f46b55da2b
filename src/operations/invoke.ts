import { messageLanguageOf, type MessageLanguage } from '../errors/message-language';
import type { Resource } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { refuseTableFormat } from '../fhir/fhir-format';
import { FhirError } from '../errors/fhir-error';
import { methodNotAllowed, notAnsweredInBatch } from '../errors/common-errors';
import { counted } from '../errors/counted';
import { messageIssue } from '../errors/issue';
import { errorToOutcome, type OperationOutcomeIssue } from '../errors/operation-outcome';
import { checkRequired, parameterNamesOf, parseParametersAndQuery, parseParametersResource, parseQuery, unknownParameterNames, type OperationInput } from '../fhir/parameters';
import { handlingPreference } from '../fhir/prefer-handling';
import { SerializedResource, SerializedText } from '../fhir/serialized';
import type { Reads } from '../terminology/read-tracking';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { withAsyncTimeBudget } from '../terminology/async-time-budget';
import { withTimeBudget } from '../terminology/time-budget';
import { BinaryContent, OperationResult, type CallAddress, type OperationContext, type OperationHandler, type ResourceLevel, type Table } from './context';
import { findOperation } from './index';
import { etagOfAnswer, type AnswerHeaders } from './caches/answer-etag';
import { expansionTemplateOf, fromTemplate, ResponseCache, type ExpansionTemplate } from './caches/response-cache';
import { checkResourceParameters } from './resource-parameters';
import { HeavyWork } from './heavy-work';
import { withCachedResources, withTxResources } from './tx-resources';
import { ifNoneMatchHolds, validId } from '../write/interactions';

/** `/$name`, `/{type}/$name` and `/{type}/{id}/$name` (relative to the FHIR base). */
export const OPERATION_PATH = /^\/(?:([A-Za-z]+)(?:\/([^/$][^/]*))?\/)?\$([A-Za-z-]+)$/;

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

/** Where the parameters of a call come from. */
export type CallInput =
  /** The URL's query; `search` (the raw query string) makes a GET answer cacheable. */
  | { query: Record<string, unknown>; search?: string }
  /** A JSON body (a Parameters resource, or the resource of an operation with `resourceParameter`) and the URL's query. */
  | { body: unknown; query: Record<string, unknown> }
  /** A `text/csv` body, for an operation with `csvParameter`. */
  | { csv: string; query: Record<string, unknown> };

/** An operation call as an adapter (HTTP route, lean dispatcher, batch entry) received it. */
export interface OperationCall {
  /** The resource type, '' at system level. */
  type: string;
  id?: string;
  name: string;
  method: string;
  input: CallInput;
  /** `Prefer: handling=strict`: unknown parameters are an error. */
  strict: boolean;
  /** The client asked for a table (CSV, NDJSON): an operation with `table` answers one. */
  wantsTable?: boolean;
  /**
   * The answer is sent as an HTTP response (not a batch entry): a GET answer of an operation whose answer depends only
   * on the request and the catalogs (`cache`) carries an ETag.
   */
  etag?: boolean;
  /** The request's If-None-Match: such an answer with a tag it names is 304 Not Modified, without a body. */
  ifNoneMatch?: string;
  /** The size of the request's body as read (decoded), when it had one: a large one takes its turn (`HeavyWork`). */
  bodyBytes?: number;
  /** True once the request no longer needs an answer (timed out, client gone): a call waiting for its turn is not run. */
  abandoned?(): boolean;
  context: OperationContext;
}

/** The answer to a call: status, headers and the serialized bytes (in pieces), or a table to stream. */
export type Answer = BytesAnswer | TableAnswer;

export interface BytesAnswer {
  status: number;
  headers?: Record<string, string>;
  /** The JSON, in order; one piece unless the operation assembled it from many (see SerializedResource). */
  chunks: readonly Buffer[];
  /** The JSON as text, when invoke serialized it (not a cached answer or one the operation assembled as bytes). */
  text?: string;
  byteLength: number;
  /** The error the answer reports, when it is a server error (for the log). */
  error?: unknown;
  table?: undefined;
}

export interface TableAnswer {
  status: 200;
  table: Table;
  headers?: undefined;
  error?: undefined;
}

export interface Invoker {
  /** Answers a call; synchronous unless the handler is not (a cached answer never waits). */
  invoke(call: OperationCall): Answer | Promise<Answer>;
  /** The operation `name` on `type` ('' at system level), or undefined when the server has none. */
  find(type: string, name: string): OperationHandler | undefined;
  /**
   * Runs `work` (a request that is not one call, such as a batch) in its turn when its body is large, as a call with
   * such a body is run; its own calls then take no turn of their own.
   */
  inTurn<T>(bodyBytes: number | undefined, deadline: number | undefined, work: () => Promise<T>, abandoned?: () => boolean): Promise<T>;
  readonly cache: ResponseCache;
}

export interface InvokerOptions {
  registry: TerminologyRegistry;
  /** Entries, and bytes, the response cache may hold; 0 turns it off. */
  cacheEntries: number;
  cacheBytes?: number;
  /** Calls whose body is at least this large take turns (heavy-work.ts); 0 or undefined: none do. */
  heavyBodyBytes?: number;
}

/** Unknown parameters named on an error answer: at most this many, then a count of the rest. */
const MAX_IGNORED_REPORTED = 20;

function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

/** `Prefer: handling=strict` (FHIR's rule for search, applied to operations too). */
export function strictHandling(prefer: string | string[] | undefined): boolean {
  return handlingPreference(prefer) === 'strict';
}

const LEVEL_DA: Record<ResourceLevel, string> = { system: 'systemniveau', type: 'typeniveau', instance: 'instansniveau' };

function levelOf(type: string, id: string | undefined): ResourceLevel {
  return !type ? 'system' : id ? 'instance' : 'type';
}

/** The methods a call of the operation takes (an operation not in the table: those of any, GET and POST). */
export function operationMethods(op: OperationHandler | undefined): readonly ('GET' | 'POST')[] {
  return op?.methods ?? ['GET', 'POST'];
}

/** Whether the operation takes a call with this method at this level (else invoke answers 405 or 400). */
export function accepts(op: OperationHandler, method: string, type: string, id: string | undefined): boolean {
  return operationMethods(op).includes(method as 'GET') && op.levels.includes(levelOf(type, id));
}

/**
 * Why no call of `$name` on this path can succeed, whatever its method: 404 when the type (or the system) has no such
 * operation, 400 when the operation is not taken at this level; undefined when it is.
 */
function unsupportedCall(op: OperationHandler | undefined, type: string, id: string | undefined, name: string): FhirError | undefined {
  if (!op) {
    return new FhirError(404, 'not-supported', `The operation $${name} is not supported on ${type || 'the system'}`, {
      da: `Operationen $${name} understøttes ikke på ${type || 'systemniveau'}`,
    });
  }
  const level = levelOf(type, id);
  if (!op.levels.includes(level)) {
    return new FhirError(400, 'not-supported', `The operation $${name} is not supported at ${level} level`, {
      da: `Operationen $${name} understøttes ikke på ${LEVEL_DA[level]}`,
    });
  }
  return undefined;
}

/** The methods a call of the operation takes on this path: none where it is not taken at all (`unsupportedCall`), for the Allow header of the path. */
export function operationMethodsAt(op: OperationHandler | undefined, type: string, id: string | undefined, name: string): readonly ('GET' | 'POST')[] {
  return unsupportedCall(op, type, id, name) ? [] : operationMethods(op);
}

/** 405 for a call of the operation `$name` with another method than those it takes, with its Allow header. */
export function operationNotAllowed(name: string, methods: readonly ('GET' | 'POST')[], method: string): FhirError {
  return methodNotAllowed(methods, `Operation $${name} accepts ${methods.join(' and ')}, not ${method}`, `Operationen $${name} modtager ${methods.join(' og ')}, ikke ${method}`);
}

/** An operation path's call: its type and id, the operation's name, and the operation when the server has it. */
export interface OperationAddress extends CallAddress {
  name: string;
  op?: OperationHandler;
}

/**
 * The operation call a path (relative to the FHIR base) addresses, as the operation adapters (the HTTP route, the lean
 * dispatcher, a batch entry) take it: any on the terminology types, those of the table on other types and the system.
 */
export function operationAt(invoker: Invoker, path: string): OperationAddress | undefined {
  const match = OPERATION_PATH.exec(path);
  if (!match) return undefined;
  const [, type = '', id, name] = match as unknown as [string, string | undefined, string | undefined, string];
  const op = invoker.find(type, name);
  return op || TERMINOLOGY_TYPES.has(type) ? { type, id, name, op } : undefined;
}

/**
 * The operation a call addresses; throws the FhirError the call is answered with when there is none (404) or it is
 * not taken at this level (400), whatever the method, or when it does not take the method (405 with its Allow).
 */
function checkedOperation(op: OperationHandler | undefined, call: OperationCall): OperationHandler {
  const unsupported = unsupportedCall(op, call.type, call.id, call.name);
  if (unsupported) throw unsupported;
  const methods = operationMethods(op);
  if (!methods.includes(call.method as 'GET' | 'POST')) throw operationNotAllowed(call.name, methods, call.method);
  return op!;
}

/** The parameters by which a request brings definitions of its own (beside tx-resource), as resources. */
const DEFINITION_PARAMETERS = ['tx-resource', 'valueSet', 'codeSystem', 'conceptMap'];

/**
 * The tighter budget of a synchronous call on definitions it brings (Limits.definitionsTimeBudgetMs), when it has one
 * and it is less than the operation's own.
 */
function definitionsBudget(op: OperationHandler, input: OperationInput, ctx: OperationContext): number | undefined {
  const { definitionsTimeBudgetMs: tighter, timeBudgetMs } = ctx.limits;
  if (!tighter || (timeBudgetMs && tighter >= timeBudgetMs) || isAsyncFunction(op.handle)) return undefined;
  const brings = ctx.clientCache !== undefined
    || op.spec.params.some((p) => p.type === 'Resource' && DEFINITION_PARAMETERS.includes(p.name) && input.has(p.name));
  return brings ? tighter : undefined;
}

/** The resource an instance-level call on a terminology type addresses (undefined otherwise); its id is checked as a read's. */
function operationTarget(ctx: OperationContext, type: string, id: string | undefined): TerminologyResource | undefined {
  if (!id || !TERMINOLOGY_TYPES.has(type)) return undefined;
  const target = ctx.registry.byId(type as TerminologyType, id);
  if (target) return target;
  validId(id);
  // as a read of it answers: gone, not unknown
  if (ctx.written?.wasDeleted?.(type as TerminologyType, id)) {
    throw new FhirError(410, 'deleted', `${type}/${id} has been deleted`, { expression: ['id'], da: `${type}/${id} er slettet` });
  }
  throw FhirError.notFound(`${type}/${id} is not known`, { expression: ['id'], da: `${type}/${id} kendes ikke` });
}

function isParametersFor(op: OperationHandler, call: OperationCall, body: unknown): boolean {
  const b = body as { resourceType?: unknown; parameter?: unknown } | null;
  if (!b || typeof b !== 'object' || b.resourceType !== 'Parameters') return false;
  // a Parameters posted to Parameters/$validate is the resource to validate unless it names the resource parameter
  if (op.resourceParameter && call.type === 'Parameters') return parameterNamesOf(b).includes(op.resourceParameter);
  return true;
}

/** The parameter names a call gives, and how to parse them against the operation's spec. */
function callParameters(op: OperationHandler, call: OperationCall): { names: string[]; parse(): OperationInput } {
  const input = call.input;
  if ('csv' in input) {
    if (!op.csvParameter) {
      throw new FhirError(415, 'not-supported', `$${op.spec.name} does not take a text/csv body; send application/fhir+json`, {
        da: `$${op.spec.name} modtager ikke text/csv; send application/fhir+json`,
      });
    }
    const name = op.csvParameter;
    return { names: [...Object.keys(input.query), name], parse: () => parseQuery(op.spec, input.query).with(name, input.csv) };
  }
  if ('body' in input) {
    if (isParametersFor(op, call, input.body)) {
      return { names: [...parameterNamesOf(input.body), ...Object.keys(input.query)], parse: () => parseParametersAndQuery(op.spec, input.body, input.query) };
    }
    if (op.resourceParameter) {
      const name = op.resourceParameter;
      return { names: Object.keys(input.query), parse: () => parseQuery(op.spec, input.query).with(name, input.body as Resource) };
    }
    return { names: parameterNamesOf(input.body), parse: () => parseParametersResource(op.spec, input.body) };
  }
  return { names: Object.keys(input.query), parse: () => parseQuery(op.spec, input.query) };
}

/** The parameters a call gave that its operation does not define, named by the answer to a call that failed. */
interface IgnoredParameters {
  operation: string;
  names: string[];
}

/**
 * The information issues naming the ignored parameters: in English of diagnostics only (no details: terminology
 * clients, and the HL7 test suites, skip them); in Danish (`lang` 'da': a caller who asks for Danish, or `$validate`'s
 * by default) with the Danish text, the English as its translation, as the answer's other issues.
 */
function ignoredParameterIssues({ operation, names }: IgnoredParameters, lang: MessageLanguage): OperationOutcomeIssue[] {
  const information = (en: string, da: string, expression?: string[]): OperationOutcomeIssue => (lang === 'da'
    ? messageIssue({ severity: 'information', code: 'informational', text: { en, da }, expression }, 'da', false)
    : { severity: 'information', code: 'informational', diagnostics: en, ...(expression ? { expression } : {}) });
  const issues = names.slice(0, MAX_IGNORED_REPORTED).map((name) => information(
    `Parameter '${excerpt(name)}' is not a parameter of $${operation} and was ignored`,
    `Parameteren '${excerpt(name)}' er ikke en parameter til $${operation} og er ignoreret`,
    [name.slice(0, 100)],
  ));
  const more = names.length - MAX_IGNORED_REPORTED;
  if (more > 0) {
    issues.push(information(`${more} more unknown ${more === 1 ? 'parameter was' : 'parameters were'} ignored`, `${counted(more, 'ukendt parameter', 'ukendte parametre')} mere er ignoreret`));
  }
  return issues;
}

/** The error with the ignored parameters, which `errorAnswer` lists after its issues (`ignoredParameterIssues`). */
function withIgnoredParameters(err: unknown, operation: string, names: string[]): unknown {
  if (names.length === 0 || !(err instanceof FhirError)) return err;
  const ignoredParameters: IgnoredParameters = { operation, names };
  return Object.assign(new FhirError(err.status, err.code, err.message, err.options), {
    allow: (err as { allow?: string }).allow, ignoredParameters,
  });
}

/** The parameters of a call the operation does not define; refused (400) under `Prefer: handling=strict`. */
function checkedParameterNames(op: OperationHandler, names: string[], strict: boolean): string[] {
  const unknown = unknownParameterNames(op.spec, names);
  if (unknown.length > 0 && strict) {
    const listed = unknown.slice(0, MAX_IGNORED_REPORTED).map((n) => `'${excerpt(n)}'`).join(', ');
    const more = unknown.length > MAX_IGNORED_REPORTED ? ', …' : '';
    throw new FhirError(400, 'not-supported', `Unknown parameter${unknown.length > 1 ? 's' : ''} ${listed}${more} for $${op.spec.name} (Prefer: handling=strict)`, {
      expression: unknown.slice(0, MAX_IGNORED_REPORTED).map((n) => n.slice(0, 100)),
      da: `Ukendt${unknown.length > 1 ? 'e' : ''} parameter${unknown.length > 1 ? 'e' : ''} ${listed}${more} til $${op.spec.name} (Prefer: handling=strict)`,
    });
  }
  return unknown;
}

/** A call's parameter names checked (`prepare`): those the operation does not define, and the parse of its input, run within the time budget. */
interface Prepared {
  unknown: string[];
  parse(): OperationInput;
}

/** An error a computation threw, returned past registry.tracked so that its reads are known. */
class Thrown {
  constructor(readonly error: unknown) {}
}

/** A resource (or its serialized bytes) as an answer with this status. */
export function answerOf(status: number, result: unknown, headers?: Record<string, string>): BytesAnswer {
  if (result instanceof SerializedResource) return { status, headers, chunks: result.chunks, byteLength: result.byteLength };
  const text = result instanceof SerializedText ? result.text : JSON.stringify(result);
  // the bytes are made when first asked for: a batch entry and the HTTP edge take the text, and 10,000 small buffers
  // per batch would otherwise hold the process's memory up until the garbage collector gets to them
  let bytes: Buffer | undefined;
  const made = (): Buffer => (bytes ??= Buffer.from(text, 'utf8'));
  return { status, headers, text, get chunks() { return [made()]; }, get byteLength() { return bytes ? bytes.length : Buffer.byteLength(text, 'utf8'); } };
}

/** The answer for anything thrown: the one mapping to an OperationOutcome, with the headers some errors call for. */
export function errorAnswer(err: unknown, lang: MessageLanguage = 'en'): BytesAnswer {
  const { status, outcome } = errorToOutcome(err, lang);
  const e = err as { allow?: unknown; challenge?: unknown; retryAfter?: unknown; ignoredParameters?: IgnoredParameters } | null;
  if (e?.ignoredParameters) outcome.issue.push(...ignoredParameterIssues(e.ignoredParameters, lang));
  const headers: Record<string, string> = {};
  if (typeof e?.allow === 'string') headers.Allow = e.allow;
  if (typeof e?.retryAfter === 'string') headers['Retry-After'] = e.retryAfter;
  if (typeof e?.challenge === 'string') headers['WWW-Authenticate'] = e.challenge;
  return Object.assign(answerOf(status, outcome, Object.keys(headers).length > 0 ? headers : undefined), { error: serverFailure(status, err) ? err : undefined });
}

/**
 * Whether an answer says the server failed (logged as an error): 501 says what it does not offer, and a 503 `throttled`
 * that it is busy (the bodies being read at once), both by design; their access log lines count them.
 */
function serverFailure(status: number, err: unknown): boolean {
  // a request whose time ran out is logged as such by the request timeout (warn), as is a client gone while it waited
  return status >= 500 && status !== 501 && !(err instanceof FhirError && (err.code === 'throttled' || err.code === 'timeout'));
}

/** The language of a refusal of a call of `op` (any refusal when undefined): the operation's rule, else the server's. */
function refusalLanguage(op: OperationHandler | undefined, acceptLanguages: readonly string[]): MessageLanguage {
  return (op?.messageLanguage ?? messageLanguageOf)(acceptLanguages);
}

/**
 * The language of a refusal of a request before it reaches invoke (its body, its format): the rule of the operation
 * its path names (`path` relative to the FHIR base), else the server's.
 */
export function pathRefusalLanguage(path: string, acceptLanguages: readonly string[]): MessageLanguage {
  const match = OPERATION_PATH.exec(path);
  return refusalLanguage(match ? findOperation(match[1] ?? '', match[3]!) : undefined, acceptLanguages);
}

/** 304 Not Modified: the answer's tag alone, for a client that holds an answer with it (If-None-Match). */
function notModified(headers: AnswerHeaders): BytesAnswer {
  return { status: 304, headers, chunks: [], byteLength: 0 };
}

/** What a handler returned, as status, headers and resource. */
function resultAnswer(result: unknown): BytesAnswer {
  if (result instanceof OperationResult) return answerOf(result.status, result.resource, result.headers);
  if (result instanceof BinaryContent) {
    return { status: 200, headers: { ...result.headers, 'Content-Type': result.contentType }, chunks: [result.bytes], byteLength: result.bytes.length };
  }
  return answerOf(200, result);
}

/**
 * The one way an operation is run, whichever adapter received it: resolution in the `OPERATIONS` table (method,
 * level), the parameters parsed with the operation's spec (unknown ones refused under `Prefer: handling=strict`,
 * otherwise ignored and named as information issues when the answer is an error), `tx-resource` layered over the
 * catalogs, the instance a call addresses, the time budget, the response cache, serialization and the mapping of
 * errors to an OperationOutcome.
 *
 * Operations marked `cache: 'answer'` (their answer depends only on the request and the catalogs) are answered from
 * a response cache of serialized bytes, keyed by the call, the languages, the limits and the base URL, each answer
 * kept while what computing it read of the catalogs is current (`registry.tracked`); `cache: 'expansion'` keeps a template that gets a new
 * identifier and timestamp for every answer, as a new expansion would. Only GETs are cached.
 */
export function createInvoker(options: InvokerOptions): Invoker {
  const cache = new ResponseCache(options.registry, options.cacheEntries, options.cacheBytes);
  const heavyWork = new HeavyWork();
  const heavyBodyBytes = options.heavyBodyBytes || Infinity;

  /** A call with a large body waits for its turn before its parse and computation (and its budget) start. */
  function run(op: OperationHandler, call: OperationCall): unknown {
    if ((call.bodyBytes ?? 0) < heavyBodyBytes) return runNow(op, call);
    // the checks that cost nothing before the turn (a batch entry without a caller, unknown names under strict); the
    // parse, which costs as the body is large, in it
    const prepared = prepare(op, call);
    return heavyWork.turn(call.context.limits.deadline, () => runNow(op, call, prepared), call.abandoned);
  }

  /** The call's parameter names, read and checked; its input is parsed by the returned `parse`. */
  function prepare(op: OperationHandler, call: OperationCall): Prepared {
    // a batch entry has no caller, and is refused so before its parameters are read
    if (op.needsToken && !call.context.caller) throw notAnsweredInBatch(op.spec.name);
    const params = callParameters(op, call);
    const unknown = checkedParameterNames(op, params.names, call.strict);
    return {
      unknown,
      parse: () => {
        const input = params.parse();
        checkRequired(op.spec.name, input, op.documentation.requiredInputs, op.binaryBody ? op.resourceParameter : undefined);
        checkResourceParameters(op.spec, input, 'body' in call.input ? call.input.body : undefined);
        return input;
      },
    };
  }

  function runNow(op: OperationHandler, call: OperationCall, prepared: Prepared = prepare(op, call)): unknown {
    const { unknown, parse } = prepared;
    try {
      const base = call.context;
      // a table is streamed as its rows are produced, after this call: it has no budget (as a download has none)
      const parseWithCache = () => (op.controlsClientCache ? parse() : withCachedResources(op.spec, parse(), base));
      if (call.wantsTable && op.table) return op.table(parseWithCache(), base, operationTarget(base, call.type, call.id));
      const compute = () => {
        const input = parseWithCache();
        const target = operationTarget(base, call.type, call.id);
        const ctx = input.has('tx-resource') ? withTxResources(input, base) : base;
        const handle = () => op.handle(input, ctx, target, { type: call.type, id: call.id });
        const tighter = definitionsBudget(op, input, base);
        return tighter === undefined ? handle() : withTimeBudget(tighter, handle, base.limits.deadline);
      };
      // an async handler needs its budget after awaits too; the others run within the call
      const result: unknown = op.ownTimeBudget ? compute() : isAsyncFunction(op.handle)
        ? withAsyncTimeBudget(base.limits.timeBudgetMs, async () => compute(), base.limits.deadline)
        : withTimeBudget(base.limits.timeBudgetMs, compute, base.limits.deadline);
      if (!isPromise(result) || unknown.length === 0) return result;
      return result.catch((e: unknown) => {
        throw withIgnoredParameters(e, op.spec.name, unknown);
      });
    } catch (e) {
      throw withIgnoredParameters(e, op.spec.name, unknown);
    }
  }

  function cacheKey(op: OperationHandler, call: OperationCall): string | undefined {
    const input = call.input as { search?: string };
    if (!op.cache || !cache.enabled || call.method !== 'GET' || input.search === undefined || call.strict || call.wantsTable || call.context.clientCache) return undefined;
    const { acceptLanguages, limits, baseUrl } = call.context;
    return `${call.type}/${call.id ?? ''}/$${call.name}?${input.search}\n${acceptLanguages.join(',')}\n${limits.maxExpansionSize}\n${limits.timeBudgetMs}\n${baseUrl}`;
  }

  /**
   * Offers an answer to the response cache, with its tag when made already (`tag`; else the cache makes it); an
   * expansion as the template `template` makes, only if the cache takes it.
   */
  function keep(op: OperationHandler, key: string, answer: BytesAnswer, reads: Reads, tag: AnswerHeaders | undefined,
    template: () => ExpansionTemplate | undefined): void {
    if (answer.status !== 200 || answer.chunks.length !== 1) return;
    const body = answer.chunks[0]!;
    if (op.cache === 'answer') return cache.set(key, body, reads, tag);
    cache.offer(key, body.length, reads, template, tag);
  }

  /** run, with what it throws returned (as Thrown): what a call that failed read is known too. */
  function attempt(op: OperationHandler, call: OperationCall): unknown {
    try {
      return run(op, call);
    } catch (e) {
      return new Thrown(e);
    }
  }

  /**
   * The answer for an error of a cacheable call, kept when it is a not-found with what the lookup read (`reads`): an
   * EOJ system asking again for a value set or code it was told is not known is answered from the cache until the
   * catalogs it looked in change (a 404 cost ~2.5× a cached answer). Other errors (a time budget, a limit) may not
   * recur and are not kept.
   */
  function failedAnswer(key: string, error: unknown, answer: BytesAnswer, reads: Reads | undefined): BytesAnswer {
    if (reads && error instanceof FhirError && error.status === 404 && error.code === 'not-found' && !answer.headers) {
      cache.set(key, { status: 404, body: answer.chunks[0]! }, reads);
    }
    return answer;
  }

  function invoke(call: OperationCall): Answer | Promise<Answer> {
    let found: OperationHandler | undefined;
    const failed = (e: unknown): BytesAnswer => errorAnswer(e, refusalLanguage(found, call.context.acceptLanguages));
    try {
      found = findOperation(call.type, call.name);
      const op = checkedOperation(found, call);
      if (!op.table) refuseTableFormat(call.input.query._format, { en: `$${call.name}`, da: `$${call.name}` });
      const key = cacheKey(op, call);
      if (key !== undefined) {
        const hit = cache.hit(key);
        if (hit) {
          const { answer, headers } = hit;
          if (headers !== undefined && call.ifNoneMatch !== undefined && ifNoneMatchHolds(call.ifNoneMatch, headers.ETag)) return notModified(headers);
          if (Buffer.isBuffer(answer)) return { status: 200, headers, chunks: [answer], byteLength: answer.length };
          if ('body' in answer) return { status: answer.status, headers, chunks: [answer.body], byteLength: answer.body.length };
          const { chunks, byteLength } = fromTemplate(answer);
          return { status: 200, headers, chunks, byteLength };
        }
      }
      const registry = options.registry;
      // what the answer depends on, unless it is an answer of the request's own resources or is computed after an await
      // (reads are seen only while the handler runs): then any change to the catalogs since it started
      let reads: Reads = { generation: registry.generation, scopes: undefined };
      let result: unknown;
      if (key === undefined) {
        result = run(op, call);
      } else {
        const tracked = registry.tracked(() => attempt(op, call));
        result = tracked.value;
        const ownResources = call.context.registry !== registry || Object.hasOwn((call.input as { query: object }).query, 'tx-resource');
        if (!isPromise(result) && !ownResources) reads = tracked.reads;
        if (result instanceof Thrown) return failedAnswer(key, result.error, failed(result.error), ownResources ? undefined : reads);
      }
      const done = (result: unknown): Answer => {
        if (call.wantsTable && op.table) return { status: 200, table: result as Table };
        const answer = resultAnswer(result);
        // an expansion cut at its identifier and timestamp, made once whether its tag or the cache asks for it first
        let template: ExpansionTemplate | undefined | null = null;
        const templateOf = () => (template === null
          ? (template = op.cache === 'expansion' ? expansionTemplateOf(result, () => answer.text ?? Buffer.concat(answer.chunks as Buffer[]).toString('utf8')) : undefined)
          : template);
        const tag = call.etag === true && op.cache !== undefined && call.method === 'GET' && answer.status === 200 && answer.headers === undefined
          ? etagOfAnswer(templateOf(), answer) : undefined;
        if (tag) answer.headers = tag;
        if (key !== undefined) keep(op, key, answer, reads, tag, templateOf);
        if (tag && call.ifNoneMatch !== undefined && ifNoneMatchHolds(call.ifNoneMatch, tag.ETag)) return notModified(tag);
        return answer;
      };
      return isPromise(result) ? result.then(done, failed) : done(result);
    } catch (e) {
      return failed(e);
    }
  }

  const inTurn = <T>(bodyBytes: number | undefined, deadline: number | undefined, work: () => Promise<T>, abandoned?: () => boolean): Promise<T> =>
    ((bodyBytes ?? 0) >= heavyBodyBytes ? heavyWork.turn(deadline, work, abandoned) : work());

  return { invoke, find: findOperation, cache, inTurn };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { errorToOutcome } from '../errors/operation-outcome';
import { parseQuery } from '../fhir/parameters';
import { serializeResource } from '../fhir/serialized';
import type { OperationContext, OperationHandler } from '../operations/context';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyType } from '../terminology/resource-set';
import { FHIR_JSON } from './fhir-json';
import { requestedTableFormat } from './table-send';
import { worksOnNodeObjects } from './node-middleware';
import { OPERATION_PATH, resolveOperation, runOperation, strictHandling } from './operation-route';
import type { RequestLifecycle } from './request-lifecycle';
import { expansionTemplate, fromTemplate, ResponseCache } from './response-cache';
import { applyHeaderCalls, compileStaticHeaders, leadingStaticHeaders } from './static-headers';

/**
 * The lean dispatcher for `GET {base}/{CodeSystem|ValueSet|ConceptMap}[/{id}]/${operation}`.
 *
 * Express costs more than the work of a cached terminology answer per request: its router walks every layer, and it
 * swaps the prototypes of request and response, after which V8 takes slow paths for every property they get. This
 * listener sits in front of Express (it wraps `app.handle`, so `app.listen`, `createHttpServer(app)` and supertest all
 * use it) and answers operation GETs itself, with the same parts Express uses for them:
 *
 * - every request gets the same RequestLifecycle (id, timeout, access log line, metrics) as through Express;
 * - the app's middleware after it runs as it is, except that middleware setting the same headers every time (helmet,
 *   see static-headers.ts) becomes a loop setting those headers. When all of it works on plain node:http objects
 *   (marked, see node-middleware.ts), request and response stay plain ("lean" mode); otherwise (the rate limiter,
 *   which reads Express's `req.ip`) they get Express's prototypes first, as Express's own `app.handle` does;
 * - the FHIR router's middleware (body and `_format` checks) runs before an operation is computed; a request with a
 *   body is left to Express, and an answer from the cache was computed for the same URL, which passed those checks;
 * - the operation is resolved, parsed and run by the same code as the Express route (`resolveOperation`,
 *   `parseQuery`, `runOperation`), and errors go through `errorToOutcome` as in the app's error handler;
 * - deterministic operations ($lookup, $validate-code, $subsumes, $translate) are answered from a response cache
 *   (serialized bytes, keyed by the URL, the languages, the limits and the base URL) that empties itself when the
 *   catalogs change (`registry.generation`); $expand too, as a template that gets a new identifier and timestamp
 *   for every answer, as a new expansion would.
 *
 * Everything else — other paths and methods, HEAD, operations the server does not have (at that level), conditional
 * requests, requests with a body, URLs that Express would parse differently (fragments, spaces, non-ASCII), a base
 * path in another case — falls through to Express untouched. Routes the FHIR router has before the operation route
 * must therefore not answer GETs of existing operations.
 * test/http/fast-path.test.ts checks that both paths answer the same requests with the same status, headers, body and
 * log line.
 */

/** Operations whose answer depends only on the request and the catalogs (no clock, no random identifiers). */
const CACHEABLE = new Set(['CodeSystem/lookup', 'CodeSystem/validate-code', 'ValueSet/validate-code', 'CodeSystem/subsumes', 'ConceptMap/translate', 'CodeSystem/local-codings']);

/**
 * Operations whose answer depends only on the request and the catalogs except for the identifier and timestamp every
 * expansion gets: cached as a template, each answer with a new identifier and the current time.
 */
const EXPANSIONS = new Set(['ValueSet/expand']);

/**
 * The fields of OperationContext (and its limits) the cache key covers with the URL; answers with others are not kept.
 * (firstWritten reads the history of writes, which changes only with a write, and every write empties the cache;
 * closures is used only by $closure, which is POST only and never reaches this dispatcher.)
 */
const CONTEXT_FIELDS = new Set(['registry', 'acceptLanguages', 'limits', 'baseUrl', 'firstWritten', 'closures']);
const LIMIT_FIELDS = new Set(['maxExpansionSize', 'timeBudgetMs']);

const CONTENT_TYPE = `${FHIR_JSON}; charset=utf-8`;

/** Characters after which Express's URL parser (parseurl) takes its slow, WHATWG-ish path, or a fragment starts. */
const UNUSUAL_URL = /[^\x21-\x7e]|#/;

export interface FastPathOptions {
  basePath: string;
  registry: TerminologyRegistry;
  contextFor: (req: IncomingMessage) => OperationContext;
  /** What every request gets first (Express runs `lifecycle.middleware` first). */
  lifecycle: RequestLifecycle;
  /** The app-level middleware Express runs after the lifecycle and before the FHIR router, in order (the same instances). */
  appMiddleware: RequestHandler[];
  /** The FHIR router's middleware before the operation route, in order (the same instances). */
  fhirMiddleware: RequestHandler[];
  /** Entries, and bytes, the response cache may hold; 0 turns it off. */
  cacheEntries: number;
  cacheBytes?: number;
}

export interface FastPath {
  readonly cache: ResponseCache;
  /** Requests answered by the lean dispatcher, and requests handed to Express. */
  readonly stats: { handled: number; passed: number };
  /** Whether request and response stay plain node:http objects (see above). */
  readonly lean: boolean;
}

interface Call {
  op: OperationHandler;
  type: TerminologyType;
  id?: string;
  name: string;
  url: string;
  search: string;
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => unknown;

const installed = new WeakMap<object, FastPath>();

/** The fast path installed on an app, if any (for tests and diagnostics). */
export function fastPathOf(app: object): FastPath | undefined {
  return installed.get(app);
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs connect-style middleware in order, as Express's router does (sync or async `next`, rejected promises). */
function runChain(chain: Middleware[], req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void): void {
  let i = 0;
  const next: NextFunction = (err?: unknown) => {
    if (err !== undefined && err !== null && err !== 'route' && err !== 'router') return done(err);
    const mw = chain[i++];
    if (!mw) return done();
    try {
      const r = mw(req, res, next);
      if (isPromise(r)) r.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
    } catch (e) {
      next(e);
    }
  };
  next();
}

function writeBody(res: ServerResponse, status: number, body: Buffer): void {
  if (res.headersSent || res.writableEnded) return; // already answered (e.g. timed out)
  res.statusCode = status;
  res.setHeader('Content-Type', CONTENT_TYPE);
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

function sameContextShape(ctx: OperationContext): boolean {
  const keys = Object.keys(ctx);
  return keys.length === CONTEXT_FIELDS.size && keys.every((k) => CONTEXT_FIELDS.has(k)) && Object.keys(ctx.limits).every((k) => LIMIT_FIELDS.has(k));
}

/** Whether Express's body check (fhirJsonBody) could have anything to say about this GET: then Express answers it. */
function mayHaveBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function installFastPath(app: Express, options: FastPathOptions): FastPath {
  const { basePath: base, lifecycle } = options;
  const prefix = `${base}/`;
  const cache = new ResponseCache(options.registry, options.cacheEntries, options.cacheBytes);
  const stats = { handled: 0, passed: 0 };
  // helmet's headers are set by a loop; a chain of nothing else is not run at all
  const { calls: fixedHeaders, rest } = leadingStaticHeaders(options.appMiddleware);
  const appMiddleware = compileStaticHeaders(rest) as unknown as Middleware[];
  const fhirMiddleware = options.fhirMiddleware as unknown as Middleware[];
  const lean = appMiddleware.every(worksOnNodeObjects) && fhirMiddleware.every(worksOnNodeObjects);
  const appWithHandle = app as unknown as { handle: Handle; request: object; response: object };
  const expressHandle: Handle = appWithHandle.handle.bind(app);

  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse): void => {
    const { status, outcome } = errorToOutcome(err);
    if (status >= 500) lifecycle.logFor(req).error({ err }, 'request failed');
    const serialized = serializeResource(outcome);
    writeBody(res, status, typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : serialized);
  };

  /** Computes the answer (the FHIR router's checks first) and keeps it in the cache when it may be. */
  function compute(req: IncomingMessage, res: ServerResponse, call: Call, ctx: OperationContext, key: string | undefined, expansion: boolean): void {
    const query = querystring.parse(call.search);
    if (lean) (req as IncomingMessage & { query?: unknown }).query = query; // what Express's req.query would give
    // Inside the FHIR router: the mount path moves from the URL to baseUrl.
    req.url = call.url.slice(base.length);
    (req as Partial<Request>).baseUrl = base;
    runChain(fhirMiddleware, req, res, (err) => {
      if (err) return fail(err, req, res);
      const generation = options.registry.generation;
      const answer = (result: unknown): void => {
        const serialized = serializeResource(result);
        const body = typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : serialized;
        if (key !== undefined) {
          if (!expansion) cache.set(key, body, generation);
          else {
            const made = (result as { expansion?: { identifier?: unknown; timestamp?: unknown } }).expansion;
            const template = typeof serialized === 'string' && typeof made?.identifier === 'string' && typeof made.timestamp === 'string'
              ? expansionTemplate(serialized, made.identifier, made.timestamp) : undefined;
            if (template) cache.set(key, template, generation);
          }
        }
        writeBody(res, 200, body);
      };
      try {
        const { op, type, id } = call;
        const result: unknown = runOperation(op, { names: Object.keys(query), strict: strictHandling(req.headers), parse: () => parseQuery(op.spec, query) }, ctx, type, id);
        if (isPromise(result)) result.then(answer).then(undefined, (e: unknown) => fail(e, req, res));
        else answer(result);
      } catch (e) {
        fail(e, req, res);
      }
    });
  }

  /** Answers the operation from the cache, or computes it; synchronous unless the handler is not. */
  function operation(req: IncomingMessage, res: ServerResponse, call: Call): void {
    const ctx = options.contextFor(req);
    const opName = `${call.type}/${call.name}`;
    const expansion = EXPANSIONS.has(opName);
    let key: string | undefined;
    // unknown parameters are an error with Prefer: handling=strict: not answered from the cache
    if (cache.enabled && (expansion || CACHEABLE.has(opName)) && !strictHandling(req.headers)) {
      key = `${call.url}\n${ctx.acceptLanguages.join(',')}\n${ctx.limits.maxExpansionSize}\n${ctx.limits.timeBudgetMs}\n${ctx.baseUrl}`;
      const hit = cache.get(key);
      if (hit) return writeBody(res, 200, Buffer.isBuffer(hit) ? hit : fromTemplate(hit));
    }
    // an answer is kept only when the key covers everything the context holds
    compute(req, res, call, ctx, key !== undefined && sameContextShape(ctx) ? key : undefined, expansion);
  }

  /** What Express's app.handle does before the first middleware (for middleware that needs Express's request). */
  function asExpress(rawReq: IncomingMessage, rawRes: ServerResponse, url: string): void {
    // The properties are created before the prototypes change: V8 adds properties to an object whose prototype was
    // swapped on a slow path (µs each).
    const req = rawReq as unknown as Request & { _parsedUrl?: unknown };
    const res = rawRes as unknown as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Response['locals'];
    req.originalUrl = url;
    req.baseUrl = '';
    req.params = {};
    req._parsedUrl = undefined; // parseurl's cache (req.query, req.path)
    req.id = ''; // set by the lifecycle
    (req as { rateLimit?: unknown }).rateLimit = undefined;
    res.statusCode = 200; // Node sets these on the response object when it writes the head
    res.statusMessage = undefined as unknown as string;
    Object.setPrototypeOf(req, appWithHandle.request);
    Object.setPrototypeOf(res, appWithHandle.response);
  }

  /** Answers the request when it is an operation GET; false hands it to Express. */
  function dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(prefix) || url.charCodeAt(1) === 0x2f || UNUSUAL_URL.test(url)) return false;
    if (req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined || mayHaveBody(req)) return false;
    const q = url.indexOf('?');
    const path = q < 0 ? url.slice(base.length) : url.slice(base.length, q);
    const match = OPERATION_PATH.exec(path);
    if (!match) return false;
    const [, type, id, name] = match as unknown as [string, TerminologyType, string | undefined, string];
    let call: Call;
    try {
      call = { op: resolveOperation(type, id, name, 'GET'), type, id, name, url, search: q < 0 ? '' : url.slice(q + 1) };
    } catch {
      return false; // not an operation the server has (at this level): Express's routes and errors decide
    }
    // a table answer (CSV, NDJSON) is streamed by the Express route
    if (call.op.table && requestedTableFormat(req, querystring.parse(call.search) as Record<string, unknown>)) return false;
    if (!lean) asExpress(req, res, url);
    lifecycle.begin(req, res);
    applyHeaderCalls(res, fixedHeaders);
    const run = (err?: unknown): void => {
      if (err) return fail(err, req, res);
      try {
        operation(req, res, call);
      } catch (e) {
        fail(e, req, res);
      }
    };
    if (appMiddleware.length === 0) run();
    else runChain(appMiddleware, req, res, run);
    return true;
  }

  appWithHandle.handle = (req, res, callback) => {
    // Mounted as a sub-app (callback given): leave everything to Express.
    if (!callback && dispatch(req, res)) {
      stats.handled++;
      return;
    }
    stats.passed++;
    expressHandle(req, res, callback);
  };
  const fastPath: FastPath = { cache, stats, lean };
  installed.set(app, fastPath);
  return fastPath;
}

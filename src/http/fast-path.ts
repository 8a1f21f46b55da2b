import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { errorToOutcome } from '../errors/operation-outcome';
import { parseQuery } from '../fhir/parameters';
import { serializeResource } from '../fhir/serialized';
import type { OperationContext, OperationHandler } from '../operations/context';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyType } from '../terminology/resource-set';
import { FHIR_JSON, sendResource } from './fhir-json';
import { OPERATION_PATH, resolveOperation, runOperation, strictHandling } from './operation-route';
import { expansionTemplate, fromTemplate, ResponseCache } from './response-cache';
import { compileStaticHeaders } from './static-headers';

/**
 * The lean dispatcher for `GET {base}/{CodeSystem|ValueSet|ConceptMap}[/{id}]/${operation}`.
 *
 * Express costs several times the work of a cached terminology answer per request: its router walks every layer,
 * and it adds properties to request and response after swapping their prototypes, which V8 does on a slow path.
 * This listener sits in front of Express (it wraps `app.handle`, so `app.listen`, `createHttpServer(app)` and
 * supertest all use it) and answers operation GETs itself:
 *
 * - the request and response get Express's prototypes, exactly as Express's own `app.handle` does, and pass the
 *   **same middleware instances** Express runs for them (request log, security headers, CORS, rate limit, metrics,
 *   timeout, then the FHIR router's body and `_format` checks), in the same order — except that middleware marked as
 *   setting the same headers every time (helmet, see static-headers.ts) is replaced by a loop setting those headers;
 * - the operation is resolved, parsed and run by the same code as the Express route (`resolveOperation`,
 *   `parseQuery`, `runOperation`), and errors go through `errorToOutcome` as in the app's error
 *   handler;
 * - deterministic operations ($lookup, $validate-code, $subsumes, $translate) are answered from a response cache
 *   (serialized bytes, keyed by the URL, the languages, the limits and the base URL) that empties itself when the
 *   catalogs change (`registry.generation`); $expand too, as a template that gets a new identifier and timestamp
 *   for every answer, as a new expansion would.
 *
 * Everything else — other paths and methods, HEAD, operations the server does not have (at that level), conditional
 * requests, URLs that Express would parse differently (fragments, spaces, non-ASCII), a base path in another case —
 * falls through to Express untouched. Routes the FHIR router has before the operation route must therefore not
 * answer GETs of existing operations.
 * test/http/fast-path.test.ts checks that both paths answer the same requests with the same status, headers and body.
 */

/** Operations whose answer depends only on the request and the catalogs (no clock, no random identifiers). */
const CACHEABLE = new Set(['CodeSystem/lookup', 'CodeSystem/validate-code', 'ValueSet/validate-code', 'CodeSystem/subsumes', 'ConceptMap/translate']);

/**
 * Operations whose answer depends only on the request and the catalogs except for the identifier and timestamp every
 * expansion gets: cached as a template, each answer with a new identifier and the current time.
 */
const EXPANSIONS = new Set(['ValueSet/expand']);

/** The fields of OperationContext the cache key covers (with the URL); a context with other fields disables the cache. */
const CONTEXT_FIELDS = new Set(['registry', 'acceptLanguages', 'limits', 'baseUrl']);

const CONTENT_TYPE = `${FHIR_JSON}; charset=utf-8`;

/** Characters after which Express's URL parser (parseurl) takes its slow, WHATWG-ish path, or a fragment starts. */
const UNUSUAL_URL = /[^\x21-\x7e]|#/;

export interface FastPathOptions {
  basePath: string;
  registry: TerminologyRegistry;
  logger: Logger;
  contextFor: (req: Request) => OperationContext;
  /** The app-level middleware Express runs before the FHIR router, in order (the same instances). */
  appMiddleware: RequestHandler[];
  /** The FHIR router's middleware before the operation route, in order (the same instances). */
  fhirMiddleware: RequestHandler[];
  /** Entries of the response cache; 0 turns it off. */
  cacheEntries: number;
  /** Whether the middleware includes the rate limiter (it adds `req.rateLimit`). */
  rateLimited?: boolean;
}

export interface FastPath {
  readonly cache: ResponseCache;
  /** Requests answered by the lean dispatcher, and requests handed to Express. */
  readonly stats: { handled: number; passed: number };
}

interface Call {
  op: OperationHandler;
  type: TerminologyType;
  id?: string;
  name: string;
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;

const installed = new WeakMap<object, FastPath>();

/** The fast path installed on an app, if any (for tests and diagnostics). */
export function fastPathOf(app: object): FastPath | undefined {
  return installed.get(app);
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs connect-style middleware in order, as Express's router does (sync or async `next`, rejected promises). */
function runChain(chain: RequestHandler[], req: Request, res: Response, done: (err?: unknown) => void): void {
  let i = 0;
  const next: NextFunction = (err?: unknown) => {
    if (err !== undefined && err !== null && err !== 'route' && err !== 'router') return done(err);
    const mw = chain[i++];
    if (!mw) return done();
    try {
      const r = mw(req, res, next) as unknown;
      if (isPromise(r)) r.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
    } catch (e) {
      next(e);
    }
  };
  next();
}

function writeBody(res: Response, status: number, body: Buffer): void {
  if (res.headersSent) return; // already answered (e.g. timed out)
  res.statusCode = status;
  res.setHeader('Content-Type', CONTENT_TYPE);
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

function sameContextShape(ctx: OperationContext): boolean {
  const keys = Object.keys(ctx);
  return keys.length === CONTEXT_FIELDS.size && keys.every((k) => CONTEXT_FIELDS.has(k));
}

export function installFastPath(app: Express, options: FastPathOptions): FastPath {
  const base = options.basePath;
  const prefix = `${base}/`;
  const cache = new ResponseCache(options.registry, options.cacheEntries);
  const stats = { handled: 0, passed: 0 };
  const rateLimited = options.rateLimited ?? false;
  const appMiddleware = compileStaticHeaders(options.appMiddleware);
  const fhirMiddleware = compileStaticHeaders(options.fhirMiddleware);
  const appWithHandle = app as unknown as { handle: Handle; request: object; response: object };
  const expressHandle: Handle = appWithHandle.handle.bind(app);

  const fail = (err: unknown, req: Request, res: Response): void => {
    const { status, outcome } = errorToOutcome(err);
    if (status >= 500) (req.log ?? options.logger).error({ err }, 'request failed');
    sendResource(res, status, outcome);
  };

  /** Answers the operation; synchronous unless the handler is (no promise per request on the cached path). */
  function operation(req: Request, res: Response, call: Call, search: string): void {
    const { op, type, id, name } = call;
    const ctx = options.contextFor(req);
    let key: string | undefined;
    const strict = strictHandling(req.headers); // unknown parameters are an error: not answered from the cache
    const opName = `${type}/${name}`;
    const expansion = EXPANSIONS.has(opName);
    if (!strict && cache.enabled && (expansion || CACHEABLE.has(opName)) && sameContextShape(ctx)) {
      key = `${req.originalUrl}\n${JSON.stringify([ctx.acceptLanguages, ctx.limits, ctx.baseUrl])}`;
      const hit = cache.get(key);
      if (hit) return writeBody(res, 200, Buffer.isBuffer(hit) ? hit : fromTemplate(hit));
    }
    const generation = options.registry.generation;
    const query = querystring.parse(search);
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
    const result: unknown = runOperation(op, { names: Object.keys(query), strict, parse: () => parseQuery(op.spec, query) }, ctx, type, id);
    if (isPromise(result)) result.then(answer).then(undefined, (e: unknown) => fail(e, req, res));
    else answer(result);
  }

  /** Answers the request when it is an operation GET; false hands it to Express. */
  function dispatch(rawReq: IncomingMessage, rawRes: ServerResponse): boolean {
    const url = rawReq.url ?? '';
    if (rawReq.method !== 'GET' || !url.startsWith(prefix) || url.charCodeAt(1) === 0x2f || UNUSUAL_URL.test(url)) return false;
    if (rawReq.headers['if-none-match'] !== undefined || rawReq.headers['if-modified-since'] !== undefined) return false;
    const q = url.indexOf('?');
    const path = q < 0 ? url.slice(base.length) : url.slice(base.length, q);
    const match = OPERATION_PATH.exec(path);
    if (!match) return false;
    const [, type, id, name] = match as unknown as [string, TerminologyType, string | undefined, string];
    let call: Call;
    try {
      call = { op: resolveOperation(type, id, name, 'GET'), type, id, name };
    } catch {
      return false; // not an operation the server has (at this level): Express's routes and errors decide
    }
    const search = q < 0 ? '' : url.slice(q + 1);

    // What Express's app.handle and router do before the first middleware. The properties are created before the
    // prototypes change: V8 adds properties to an object whose prototype was swapped on a slow path (µs each).
    const req = rawReq as unknown as Request & { _parsedUrl?: unknown };
    const res = rawRes as unknown as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Response['locals'];
    req.originalUrl = url;
    req.baseUrl = '';
    req.params = {};
    req._parsedUrl = undefined; // parseurl's cache (req.query, req.path)
    req.id = ''; // set by the request log
    req.log = undefined as unknown as Request['log'];
    if (rateLimited) (req as { rateLimit?: unknown }).rateLimit = undefined;
    (req as unknown as { _eventsCount: number })._eventsCount = (req as unknown as { _eventsCount: number })._eventsCount;
    res.statusCode = 200; // Node sets these on the response object when it writes the head
    res.statusMessage = undefined as unknown as string;
    Object.setPrototypeOf(req, appWithHandle.request);
    Object.setPrototypeOf(res, appWithHandle.response);

    runChain(appMiddleware, req, res, (err) => {
      if (err) return fail(err, req, res);
      // Inside the FHIR router: the mount path moves from the URL to baseUrl.
      req.url = url.slice(base.length);
      req.baseUrl = base;
      runChain(fhirMiddleware, req, res, (err2) => {
        if (err2) return fail(err2, req, res);
        try {
          operation(req, res, call, search);
        } catch (e) {
          fail(e, req, res);
        }
      });
    });
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
  const fastPath: FastPath = { cache, stats };
  installed.set(app, fastPath);
  return fastPath;
}

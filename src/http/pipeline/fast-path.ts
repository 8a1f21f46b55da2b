import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestedTableFormat } from '../../fhir/fhir-format';
import { parseQueryString } from '../../fhir/query-string';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { messageLanguage } from '../../errors/message-language';
import type { OperationContext } from '../../operations/context';
import { accepts, errorAnswer, operationAt, strictHandling, type Answer, type Invoker } from '../../operations/invoke';
import { headerText } from './request-values';
import { sendAnswer } from './send';
import type { RequestLifecycle } from './request-lifecycle';

/**
 * The lean adapter of invoke for `GET {base}/{type}[/{id}]/${operation}`: Express's router walks every layer and swaps
 * the prototypes of request and response (after which V8 takes slow paths for their properties), which costs more than
 * a cached terminology answer. This listener wraps `app.handle` (so `app.listen`, `createHttpServer(app)` and supertest
 * use it) and runs, on the plain node:http objects, what Express runs for such a request — the lifecycle, the app's
 * middleware and the FHIR router's middleware, the same instances — and then `invoke`, as the Express route does.
 * Everything else (other paths and methods, tables, If-Modified-Since, requests with a body, URLs Express would
 * parse differently) goes to Express. The app's middleware must work on node:http's objects (helmet and cors do; the
 * rate limiter does not, so the app installs this only without it). test/http/fast-path.test.ts checks that both
 * paths answer alike.
 */
export interface FastPathOptions {
  basePath: string;
  invoker: Invoker;
  contextFor: (req: IncomingMessage) => OperationContext;
  lifecycle: RequestLifecycle;
  /** The app-level middleware Express runs after the lifecycle (CORS), and the FHIR router's before the operation route. */
  appMiddleware: RequestHandler[];
  fhirMiddleware: RequestHandler[];
}

export interface FastPath {
  /** Requests answered by the lean adapter, and requests handed to Express. */
  readonly stats: { handled: number; passed: number };
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => unknown;

/** Characters after which Express's URL parser takes another path, or a fragment starts. */
const UNUSUAL_URL = /[^\x21-\x7e]|#/;

const installed = new WeakMap<object, FastPath>();

/** The fast path installed on an app, if any (for tests and diagnostics). */
export function fastPathOf(app: object): FastPath | undefined {
  return installed.get(app);
}

/** Runs connect-style middleware in order, as Express's router does (sync or async `next`, rejected promises). */
function runChain(chain: Middleware[], req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void): void {
  let i = 0;
  const next: NextFunction = (err?: unknown) => {
    if (err !== undefined && err !== null && err !== 'route' && err !== 'router') return done(err);
    const mw = chain[i++];
    if (!mw) return done();
    try {
      const r = mw(req, res, next) as Promise<unknown> | undefined;
      if (r && typeof r.then === 'function') r.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
    } catch (e) {
      next(e);
    }
  };
  next();
}

export function installFastPath(app: Express, options: FastPathOptions): FastPath {
  const { basePath: base, invoker, lifecycle } = options;
  // the app's middleware, the step into the FHIR router (the mount path moves from the URL to baseUrl), the router's
  const chain = [...options.appMiddleware, (req: Request, _res: Response, next: NextFunction) => {
    req.url = req.url.slice(base.length);
    req.baseUrl = base;
    next();
  }, ...options.fhirMiddleware] as unknown as Middleware[];
  const stats = { handled: 0, passed: 0 };
  const appWithHandle = app as unknown as { handle: Handle };
  const expressHandle: Handle = appWithHandle.handle.bind(app);

  const send = (req: IncomingMessage, res: ServerResponse, answer: Answer): void => {
    if (answer.error) lifecycle.logFor(req).error({ err: answer.error }, 'request failed');
    void sendAnswer(res, answer, undefined, lifecycle.commonHeaders(req));
  };

  /** Answers the request when it is an operation GET; false hands it to Express. */
  function dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(`${base}/`) || url.charCodeAt(1) === 0x2f || UNUSUAL_URL.test(url)) return false;
    // If-Modified-Since, and GETs with a body (Express's body check answers those); invoke answers If-None-Match
    const { headers } = req;
    if (headers['if-modified-since'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    if (headers['content-length'] !== undefined && headers['content-length'] !== '0') return false;
    const q = url.indexOf('?');
    const call = operationAt(invoker, q < 0 ? url.slice(base.length) : url.slice(base.length, q));
    if (!call?.op || !accepts(call.op, 'GET', call.type, call.id)) return false; // Express's routes and errors decide
    const { type, id, name } = call;
    const search = q < 0 ? '' : url.slice(q + 1);
    let query: Record<string, unknown>;
    try {
      query = parseQueryString(search);
    } catch {
      return false; // a query that is not UTF-8: Express's query parser refuses it
    }
    if (call.op.table && requestedTableFormat(query._format, headers.accept)) return false; // streamed by the Express route
    lifecycle.begin(req, res);
    (req as IncomingMessage & { query?: unknown }).query = query; // what Express's req.query gives
    // an error before or around invoke in the caller's language, as the app's error handler gives it
    const failed = (e: unknown): void => send(req, res, errorAnswer(e, messageLanguage(headers['accept-language'])));
    const answer = (err?: unknown): void => {
      if (err) return failed(err);
      let a: Answer | Promise<Answer>;
      try {
        a = invoker.invoke({ type, id, name, method: 'GET', input: { query, search }, strict: strictHandling(headers.prefer), etag: true,
          ifNoneMatch: headerText(req, 'if-none-match'), context: options.contextFor(req),
        });
      } catch (e) {
        return failed(e);
      }
      if (a instanceof Promise) a.then((done) => send(req, res, done), failed);
      else send(req, res, a);
    };
    runChain(chain, req, res, answer);
    return true;
  }

  appWithHandle.handle = (req, res, callback) => {
    // mounted as a sub-app (callback given): leave everything to Express
    if (!callback && dispatch(req, res)) {
      stats.handled++;
      return;
    }
    stats.passed++;
    expressHandle(req, res, callback);
  };
  const fastPath: FastPath = { stats };
  installed.set(app, fastPath);
  return fastPath;
}

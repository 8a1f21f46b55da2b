import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NextFunction, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AppMetrics } from './metrics';
import { accessLog, requestIdOf, requestLogger } from './request-log';
import { armRequestTimeout } from './request-timeout';

/**
 * What every request gets, on plain node:http objects so that Express and the lean dispatcher (fast-path.ts) share
 * it: an id (echoed in X-Request-Id), a 503 answer if it is not answered in time, and when it is done an access log
 * line and its metrics. One 'close' listener per request does the end of it: 'close' follows 'finish' for every
 * answered response and also comes when the client goes away first.
 */
export interface RequestLifecycle {
  begin(req: IncomingMessage, res: ServerResponse): void;
  /** `begin` as the first Express middleware. */
  middleware: RequestHandler;
  /** A logger whose lines carry the request's id. */
  logFor(req: IncomingMessage): Logger;
}

export function requestLifecycle(options: { logger: Logger; metrics: AppMetrics; timeoutMs: number }): RequestLifecycle {
  const { logger, metrics, timeoutMs } = options;
  const logFor = (req: IncomingMessage): Logger => requestLogger(logger, req);
  const logRequest = accessLog(logger);
  const begin = (req: IncomingMessage, res: ServerResponse): void => {
    const id = requestIdOf(req);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const url = req.url ?? '';
    const started = performance.now();
    const timer = armRequestTimeout(res, timeoutMs, () => logFor(req));
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) return; // the client went away before the answer was written
      const ms = performance.now() - started;
      logRequest(id, req.method, url, res.statusCode, ms);
      metrics.record(url, req.method ?? '', res.statusCode, ms / 1000);
    });
  };
  const middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    begin(req, res);
    next();
  };
  return { begin, middleware: middleware as unknown as RequestHandler, logFor };
}

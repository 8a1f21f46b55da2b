import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { NextFunction, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { MessageLanguage } from '../../errors/message-language';
import type { AppMetrics } from './metrics';
import type { AnswersInFlight } from './answers-in-flight';
import { armRequestTimeout } from './request-timeout';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's id: a sane X-Request-Id from the client, else a new UUID. */
    id: string;
    /** When (epoch ms) the request times out: what an operation computing its answer may take at most. */
    deadline?: number;
  }
}

const SAFE_ID = /^[A-Za-z0-9._:/\-]{1,200}$/;

/**
 * What every request gets, on plain node:http objects so that Express and the lean dispatcher (fast-path.ts) share
 * it: an id, a 503 answer if it is not answered in time (408 if its body has not arrived), the headers every response carries (X-Request-Id and the
 * security headers), and when it is done an access log line and its metrics. One 'close' listener per request does
 * the end of it: 'close' follows 'finish' for every answered response and also comes when the client goes away first.
 */
export interface RequestLifecycle {
  begin(req: IncomingMessage, res: ServerResponse): void;
  /**
   * `begin` as the first Express middleware; it also sets the common headers, since Express's ways of answering
   * (res.json, static files, redirects) write what is set.
   */
  middleware: RequestHandler;
  /**
   * The headers every response carries, as a flat name, value list: an answer written without Express gives them
   * to writeHead with its own (sendAnswer), one call instead of a setHeader per header.
   */
  commonHeaders(req: IncomingMessage): string[];
  /** A logger whose lines carry the request's id (for what a request logs besides its access line). */
  logFor(req: IncomingMessage): Logger;
}

export interface LifecycleOptions {
  logger: Logger;
  metrics: AppMetrics;
  timeoutMs: number;
  /** The headers every response carries (securityHeaders(), varyHeader()), name, value, name, value… */
  headers: readonly string[];
  /**
   * The language of a refusal of the request (its timeout): the rule of the operation its path names, as the app's
   * other refusals (`$validate`'s: Danish unless English is asked for); the server's rule when not given.
   */
  refusalLanguage?: (req: IncomingMessage) => MessageLanguage;
  /** The budget of large answers being written (answers-in-flight.ts), handed to every request for its answer. */
  answersInFlight?: AnswersInFlight;
}

export function requestLifecycle({ logger, metrics, timeoutMs, headers, refusalLanguage, answersInFlight }: LifecycleOptions): RequestLifecycle {
  const logFor = (req: IncomingMessage): Logger => (req.id ? logger.child({ reqId: req.id }) : logger);
  const commonHeaders = (req: IncomingMessage): string[] => {
    const all = headers.slice();
    all.push('X-Request-Id', req.id);
    return all;
  };
  const begin = (req: IncomingMessage, res: ServerResponse): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    req.id = id;
    const url = req.url ?? '';
    const started = performance.now();
    req.deadline = Date.now() + timeoutMs;
    req.answersInFlight = answersInFlight;
    const timer = armRequestTimeout(req, res, timeoutMs, () => logFor(req), () => commonHeaders(req), refusalLanguage);
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) return; // the client went away before the answer was written
      const ms = performance.now() - started;
      logger.info({ reqId: id, method: req.method, url, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      metrics.record(url, req.method ?? '', res.statusCode, ms / 1000);
    });
  };
  const middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    begin(req, res);
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
    res.setHeader('X-Request-Id', req.id);
    next();
  };
  return { begin, middleware: middleware as unknown as RequestHandler, commonHeaders, logFor };
}

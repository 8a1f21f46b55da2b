import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { messageIssue } from '../../errors/issue';
import type { MessageLanguage } from '../../errors/message-language';
import { operationOutcome } from '../../errors/operation-outcome';
import { acceptedMessageLanguage } from './request-values';
import { JSON_CONTENT_TYPE } from './send';

/**
 * The security headers of every response, as helmet sets them for this configuration, as a flat name, value list:
 * helmet runs once here, and the request lifecycle gives each response the result (set before Express's routes, or
 * written with the answer in one writeHead, see request-lifecycle.ts), instead of twelve middleware calls per request.
 * They depend on nothing of the request (no CSP nonces are configured).
 */
export function securityHeaders(): string[] {
  const headers: string[] = [];
  const recorder = { setHeader: (name: string, value: string) => headers.push(name, String(value)), removeHeader: () => undefined };
  helmet({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'] },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  })({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * The request headers an answer depends on, for caches (RFC 9110 §12.5.5): the format asked for, the language of
 * displays and messages, and with CORS for named origins the origin. Every response carries it, in one header: an
 * answer written in one writeHead replaces a Vary the CORS middleware set before.
 */
export function varyHeader(config: Pick<Config, 'corsOrigins'>): string[] {
  const named = config.corsOrigins.length > 0 && !config.corsOrigins.includes('*');
  return ['Vary', named ? 'Accept, Accept-Language, Origin' : 'Accept, Accept-Language'];
}

/**
 * The load balancer's probes and the metrics scrape, as Express routes them (any case, a trailing slash): never
 * rate-limited, so that a client using up its budget, or sharing an address with them, cannot take a replica out.
 */
const SERVICE_PATH = /^\/(?:health|ready|metrics)\/?$/i;

/**
 * CORS for browser clients and per-client rate limiting, from configuration; a refusal (429) in `refusalLanguage`, the
 * language of the request's refusals (the server's rule when not given); what the limiter reports goes to `logger`.
 * The client is `req.ip`: the connection's address, or the one a trusted proxy names (TRUST_PROXY, set by the app).
 */
export function securityMiddleware(config: Config, logger: Logger, refusalLanguage: (req: IncomingMessage) => MessageLanguage = acceptedMessageLanguage): RequestHandler[] {
  const handlers: RequestHandler[] = [];
  if (config.corsOrigins.length > 0) {
    const corsHeaders = cors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      // every request header the server reads: a browser on another origin may send only those the preflight names
      allowedHeaders: ['Content-Type', 'Authorization', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since', 'If-None-Exist',
        'Prefer', 'Accept', 'Accept-Language', 'X-Request-Id', 'X-Too-Costly-Threshold', 'X-Cache-Id'],
      exposedHeaders: ['ETag', 'Location', 'Content-Location', 'Last-Modified', 'X-Request-Id', 'X-Cache-Id'],
      preflightContinue: true,
    });
    // A preflight (OPTIONS with Access-Control-Request-Method) is answered here, 204 with cors's headers; any other
    // OPTIONS goes on to its route, which answers with the path's Allow (http/routes/path-methods.ts).
    handlers.push((req, res, next) => corsHeaders(req, res, (err?: unknown) => {
      if (err || req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return next(err);
      res.status(204).setHeader('Content-Length', '0');
      res.end();
    }));
  }
  if (config.rateLimitPerMinute > 0) {
    handlers.push(rateLimit({
      windowMs: 60_000,
      limit: config.rateLimitPerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skip: (req) => SERVICE_PATH.test(req.path),
      // The forwarding headers of a client the server does not trust as a proxy are its own claim, ignored on purpose,
      // not a configuration to warn about; what the limiter still says goes to the server's log as a JSON line.
      validate: { xForwardedForHeader: false, forwardedHeader: false },
      logger,
      handler: (req, res) => {
        const text = { en: 'Too many requests; try again later', da: 'For mange forespørgsler; prøv igen senere' };
        res.status(429).type(JSON_CONTENT_TYPE).send(JSON.stringify(operationOutcome([
          messageIssue({ severity: 'error', code: 'throttled', text }, refusalLanguage(req)),
        ])));
      },
    }));
  }
  return handlers;
}

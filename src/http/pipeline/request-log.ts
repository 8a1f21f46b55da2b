import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's id: a sane X-Request-Id from the client, else a new UUID (see requestIdOf). */
    id: string;
  }
}

const SAFE_ID = /^[A-Za-z0-9._:/\-]{1,200}$/;

/** The id of a request: its X-Request-Id when that is sane, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

export type AccessLog = (reqId: string, method: string | undefined, url: string, status: number, ms: number) => void;

/** Writes the access line of an answered request. */
export function accessLog(logger: Logger): AccessLog {
  return (reqId, method, url, status, ms) => logger.info({ reqId, method, url, status, ms: Math.round(ms * 10) / 10 }, 'request');
}

/** A logger whose lines carry the request's id: for what a request logs besides its access line (failures). */
export function requestLogger(logger: Logger, req: IncomingMessage): Logger {
  return req.id ? logger.child({ reqId: req.id }) : logger;
}

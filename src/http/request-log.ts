import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type Logger } from 'pino';

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

/** A logger with pino's defaults, to tell whether another one formats lines as pino does by default. */
const PINO_DEFAULTS = pino({}, { write: () => undefined });

type PinoInternals = Record<symbol, unknown> & Logger;

/** Whether lines of `logger` are what the access line writer below produces: pino's format, no hooks or redaction. */
function formatsAsPinoDefault(logger: Logger): boolean {
  const S = pino.symbols as typeof pino.symbols & { msgPrefixSym: symbol };
  const own = logger as PinoInternals;
  const formatters = own[S.formattersSym] as Record<string, unknown> | undefined;
  const defaults = (PINO_DEFAULTS as PinoInternals)[S.formattersSym] as Record<string, unknown>;
  const hooks = own[S.hooksSym] as Record<string, unknown> | undefined;
  const stream = own[S.streamSym] as { write?: unknown } & Record<symbol, unknown> | undefined;
  return formatters?.level === defaults.level && formatters?.log === defaults.log && !own[S.mixinSym] && !own[S.msgPrefixSym] &&
    own[S.nestedKeySym] == null && !hooks?.logMethod && !hooks?.streamWrite && own[S.messageKeySym] === 'msg' &&
    own[S.redactFmtSym] === undefined && typeof own[S.timeSym] === 'function' && typeof stream?.write === 'function' &&
    !stream[S.needsMetadataGsym] && logger.levels.values.info === 30;
}

/**
 * Writes the access line of an answered request: `{"level":30,"time":…,<bindings>,"reqId","method","url","status",
 * "ms","msg":"request"}`, the line `logger.info({ reqId, method, url, status, ms }, 'request')` writes. Every request
 * logs one, and assembling it directly costs a fraction of pino's generic serializer; a logger configured beyond
 * pino's defaults (formatters, hooks, redaction…) gets `logger.info` itself.
 */
export function accessLog(logger: Logger): AccessLog {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  if (!formatsAsPinoDefault(logger)) {
    return (reqId, method, url, status, ms) => logger.info({ reqId, method, url, status, ms: round(ms) }, 'request');
  }
  const S = pino.symbols;
  const own = logger as PinoInternals;
  return (reqId, method, url, status, ms) => {
    if (!logger.isLevelEnabled('info')) return;
    const time = (own[S.timeSym] as () => string)();
    const bindings = own[S.chindingsSym] as string;
    const stream = own[S.streamSym] as { write(line: string): unknown };
    stream.write(`{"level":30${time}${bindings},"reqId":${JSON.stringify(reqId)},"method":${JSON.stringify(method)},` +
      `"url":${JSON.stringify(url)},"status":${status},"ms":${round(ms)},"msg":"request"}\n`);
  };
}

/** A logger whose lines carry the request's id: for what a request logs besides its access line (failures). */
export function requestLogger(logger: Logger, req: IncomingMessage): Logger {
  return req.id ? logger.child({ reqId: req.id }) : logger;
}

import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The server's logger: JSON lines on stdout. pino's destination collects lines until it holds 4 KB and writes them
 * together (and at least once a second), not one write per line; what is left is written when the process exits.
 * The writes are synchronous (pino's default): ~3.5 µs less CPU per request than its asynchronous writes, which
 * measure each line against the text collected so far and copy it again once written (bench/README.md). A log
 * reader that stops reading then holds the server up, as it would hold up any process writing to its stdout,
 * instead of the lines piling up in memory without bound.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: true, minLength: 4096, periodicFlush: 1000 });
  process.once('exit', () => destination.flushSync());
  return pino({ level, base: { service: 'faelles-tx' }, timestamp: isoTimeOncePerMillisecond() }, destination);
}

/** pino's isoTime (`,"time":"…Z"`), formatted once per millisecond: under load many lines share one. */
export function isoTimeOncePerMillisecond(): () => string {
  let last = -1;
  let formatted = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      formatted = `,"time":"${new Date(now).toISOString()}"`;
    }
    return formatted;
  };
}

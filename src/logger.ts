import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The server's logger: JSON lines on stdout. pino's destination collects lines until it holds 4 KB and writes them
 * together (and at least once a second), not one write per line; what is left is written when the process exits.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: false, minLength: 4096, periodicFlush: 1000 });
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

import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The server's logger: JSON lines on stdout. Lines are written in batches of about 4 KB (at least once a second),
 * not one write per line: every request logs a line, and a system call per line costs more than answering a cached
 * terminology request. Buffered lines are flushed when the process exits.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: false, minLength: 4096, periodicFlush: 1000 });
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

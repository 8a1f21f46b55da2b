import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The server's logger: JSON lines on stdout. Lines are written in batches of about 4 KB (at least once a second),
 * not one write per line: every request logs a line, and a system call per line costs more than answering a cached
 * terminology request. Buffered lines are flushed when the process exits.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: false, minLength: 4096, periodicFlush: 1000 });
  return pino({ level, base: { service: 'faelles-tx' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

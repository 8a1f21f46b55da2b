import pino, { type Logger } from 'pino';
import { LineBuffer } from './log-buffer';

export type { Logger };

/**
 * The server's logger: JSON lines on stdout. Lines are collected in memory and written in chunks of about 16 KB, at
 * least once a second (see LineBuffer), not one write per line; what is left is written when the process exits.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: false });
  const buffer = new LineBuffer(destination);
  process.once('exit', () => buffer.flushSync());
  return pino({ level, base: { service: 'faelles-tx' }, timestamp: isoTimeOncePerMillisecond() }, buffer);
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

import { Writable } from 'node:stream';

/**
 * A stream for a pino logger that keeps the lines logged at error level or above (a 5xx or an unexpected exception
 * is logged so): a suite that must cause none checks `lines` after each test.
 */
export function errorLogLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        if ((JSON.parse(line) as { level: number }).level >= 50) lines.push(line);
      }
      done();
    },
  });
  return { stream, lines };
}

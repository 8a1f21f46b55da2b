/** What the buffer writes to: pino's SonicBoom destination (or any stream with `write`). */
export interface LineSink {
  write(chunk: string): unknown;
  flushSync?(): void;
}

/**
 * Collects log lines in memory and hands them to the destination in chunks of about `chunkChars` characters, at
 * least every `intervalMs`. Every request logs a line; handing each line to the destination on its own costs more
 * than answering a cached terminology request (SonicBoom measures the byte length of its growing buffer on every
 * write), while appending to a string is nearly free. `flushSync` (called when the process exits) writes what is
 * left.
 */
export class LineBuffer {
  private pending = '';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly sink: LineSink, private readonly chunkChars = 16 * 1024, intervalMs = 1000) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  write(line: string): boolean {
    this.pending += line;
    if (this.pending.length >= this.chunkChars) this.flush();
    return true;
  }

  /** Hands the collected lines to the destination. */
  flush(): void {
    if (this.pending.length === 0) return;
    const chunk = this.pending;
    this.pending = '';
    this.sink.write(chunk);
  }

  /** Writes everything collected, synchronously (process exit). */
  flushSync(): void {
    this.flush();
    this.sink.flushSync?.();
  }

  /** Stops the periodic flush after writing what is left. */
  close(): void {
    clearInterval(this.timer);
    this.flushSync();
  }
}

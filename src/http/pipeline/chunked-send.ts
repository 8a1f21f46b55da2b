import type { ServerResponse } from 'node:http';

/** Size of the buffers a chunked answer is copied into for writing. */
const WRITE_BUFFER_BYTES = 64 * 1024;

/** Write buffers kept for the next answers once written (at most this many). */
const POOL_SIZE = 16;

const pool: Buffer[] = [];

function release(buffer: Buffer): void {
  if (pool.length < POOL_SIZE) pool.push(buffer);
}

/**
 * Ends `res` with the concatenation of `chunks` (`byteLength` bytes in all), without joining them into one buffer: a
 * $batch-validate-code answer is 5 MB made of 20,000 small parts. The parts are copied into 64 KB buffers, written
 * one by one as the connection takes them (so a slow client holds a few of them, not the whole answer) and reused
 * for later answers once written, so that a large answer allocates nothing. Status and headers other than
 * Content-Length must be set.
 */
export function sendChunks(res: ServerResponse, chunks: readonly Buffer[], byteLength: number): void {
  res.setHeader('Content-Length', byteLength);
  if (res.req?.method === 'HEAD') {
    res.end();
    return;
  }
  let index = 0;
  let offset = 0; // within chunks[index]
  const pump = (): void => {
    while (!res.destroyed) {
      const buffer = pool.pop() ?? Buffer.allocUnsafeSlow(WRITE_BUFFER_BYTES);
      let filled = 0;
      while (filled < WRITE_BUFFER_BYTES && index < chunks.length) {
        const chunk = chunks[index]!;
        const copied = chunk.copy(buffer, filled, offset);
        filled += copied;
        offset += copied;
        if (offset === chunk.length) {
          index++;
          offset = 0;
        }
      }
      const data = filled === WRITE_BUFFER_BYTES ? buffer : buffer.subarray(0, filled);
      if (index === chunks.length) {
        res.end(data, () => release(buffer));
        return;
      }
      const written = res.write(data, (err) => {
        if (!err) release(buffer);
      });
      if (!written) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

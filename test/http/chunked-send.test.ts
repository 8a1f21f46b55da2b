import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendChunks } from '../../src/http/pipeline/chunked-send';
import { atScale } from '../support/scale';

/**
 * Chunks of assorted sizes (empty ones, small ones, one larger than a write buffer), each filled with `seed`'s bytes;
 * `times` over (a large answer fills the connection's buffers, so that writing waits for the client).
 */
function chunksFor(seed: number, times = 1): Buffer[] {
  const sizes = [0, 1, 7, 1000, 65_535, 65_536, 65_537, 0, 200_000, 3, 40_000];
  return Array.from({ length: times }, (_, t) => sizes.map((size, i) => Buffer.alloc(size, (seed * 31 + i + t) % 251))).flat();
}

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const chunks = chunksFor(Number(query.get('seed') ?? 0), Number(query.get('times') ?? 1));
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/octet-stream');
    sendChunks(res, chunks, chunks.reduce((n, c) => n + c.length, 0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** GET (or HEAD) with the given seed; with `slow`, the answer is read a little at a time. */
function fetchAnswer(seed: number, method = 'GET', slow = false, times = 1): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `/?seed=${seed}&times=${times}`, method, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        parts.push(c);
        if (slow) {
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sendChunks', () => {
  it('answers the concatenation of the chunks, with its Content-Length', async () => {
    const { headers, body } = await fetchAnswer(1);
    const expected = Buffer.concat(chunksFor(1));
    expect(headers['content-length']).toBe(String(expected.length));
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(body.equals(expected)).toBe(true);
  });

  it('answers HEAD with the length and no body', async () => {
    const { headers, body } = await fetchAnswer(2, 'HEAD');
    expect(headers['content-length']).toBe(String(Buffer.concat(chunksFor(2)).length));
    expect(body.length).toBe(0);
  });

  it('gives every one of many concurrent answers, read slowly or not, its own bytes (write buffers are reused)', async () => {
    const seeds = Array.from({ length: 12 }, (_, i) => i + 10);
    // a slow reader's answer is many times the connection's buffers at either size
    const times = (i: number) => (i % 3 === 0 ? atScale(8, 25) : 1);
    const answers = await Promise.all(seeds.map((seed, i) => fetchAnswer(seed, 'GET', i % 3 === 0, times(i))));
    answers.forEach(({ body }, i) => expect(body.equals(Buffer.concat(chunksFor(seeds[i]!, times(i))))).toBe(true));
  });
});

/**
 * The bare-Node reference: a node:http server that answers every request with a fixed FHIR JSON body and does
 * nothing else. `GET /body/NAME` answers the bytes last PUT to `/body/NAME` (bench/run.ts puts there an answer of the
 * scenario's own, made its mean size: see representativeBody), `GET /size/N` N bytes of ASCII.
 * Run as a child process by bench/run.ts: `node baseline-server.js <port>`.
 */
import http from 'node:http';

const bodies = new Map<number, Buffer>();

/** A Parameters resource padded to exactly `size` bytes (at least the size of the empty resource). */
export function fixedBody(size: number): Buffer {
  let body = bodies.get(size);
  if (body) return body;
  const head = '{"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":true},{"name":"message","valueString":"';
  const tail = '"}]}';
  const pad = Math.max(0, size - head.length - tail.length);
  body = Buffer.from(`${head}${'x'.repeat(pad)}${tail}`, 'utf8');
  bodies.set(size, body);
  return body;
}

export function createBaselineServer(): http.Server {
  const given = new Map<string, Buffer>();
  return http.createServer((req, res) => {
    const named = /^\/body\/([\w.-]{1,100})$/.exec(req.url ?? '');
    if (named && req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        given.set(named[1]!, Buffer.concat(chunks));
        res.writeHead(204).end();
      });
      return;
    }
    const m = /^\/size\/(\d{1,9})/.exec(req.url ?? '');
    const body = (named && given.get(named[1]!)) || fixedBody(m ? Number(m[1]) : 512);
    res.writeHead(200, { 'Content-Type': 'application/fhir+json; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  });
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 0);
  const server = createBaselineServer();
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : port });
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

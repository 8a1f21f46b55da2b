import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createMetrics } from '../../src/http/pipeline/metrics';
import { appMetrics } from '../../src/metrics';
import { requestLifecycle } from '../../src/http/pipeline/request-lifecycle';
import { TerminologyRegistry } from '../../src/terminology/registry';

/** A node:http server whose requests go through the lifecycle and are answered by `answer` (or never). */
async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse, common: string[]) => void, timeoutMs: number) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  }));
  const metrics = createMetrics(appMetrics(new TerminologyRegistry([])), '/fhir');
  const lifecycle = requestLifecycle({ logger, metrics, timeoutMs, headers: ['X-Content-Type-Options', 'nosniff'] });
  const server = http.createServer((req, res) => {
    lifecycle.begin(req, res);
    answer(req, res, lifecycle.commonHeaders(req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { lines, metrics, port, close: () => new Promise((r) => server.close(r)) };
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('the request lifecycle', () => {
  it('gives every request an id, one access log line and its metrics', async () => {
    // an answer written as sendAnswer writes it: the common headers with its own, in one writeHead
    const s = await serve((_req, res, common) => res.writeHead(200, common).end('{}'), 10_000);
    try {
      const a = await get(s.port, '/fhir/CodeSystem/$lookup?code=x', { 'X-Request-Id': 'abc-1' });
      const b = await get(s.port, '/fhir/CodeSystem/$lookup?code=y', { 'X-Request-Id': 'not ok; <script>' });
      expect(a.headers['x-request-id']).toBe('abc-1');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      await until(() => s.lines.length >= 2);
      expect(s.lines.map((l) => [l.msg, l.reqId, l.method, l.url, l.status])).toEqual([
        ['request', 'abc-1', 'GET', '/fhir/CodeSystem/$lookup?code=x', 200],
        ['request', b.headers['x-request-id'], 'GET', '/fhir/CodeSystem/$lookup?code=y', 200],
      ]);
      expect(typeof s.lines[0]!.ms).toBe('number');
      expect(await s.metrics.registry.metrics()).toContain('faelles_tx_requests_total{route="CodeSystem/$lookup",status="200"} 2');
    } finally {
      await s.close();
    }
  });

  it('answers 503 with a timeout OperationOutcome when the request is not answered in time, and logs it', async () => {
    const s = await serve(() => undefined, 50);
    try {
      const res = await get(s.port, '/fhir/ValueSet/$expand', { 'X-Request-Id': 'slow-1' });
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      expect(res.headers['x-request-id']).toBe('slow-1');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const outcome = JSON.parse(res.body) as { resourceType: string; issue: { code: string; severity: string }[] };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'timeout' });
      await until(() => s.lines.some((l) => l.msg === 'request'));
      expect(s.lines.find((l) => l.msg === 'request timed out')).toMatchObject({ reqId: 'slow-1', ms: 50 });
      expect(s.lines.find((l) => l.msg === 'request')).toMatchObject({ reqId: 'slow-1', status: 503 });
    } finally {
      await s.close();
    }
  });
});

import request from 'supertest';
import { processMetrics } from '../../src/metrics';
import { MunicipalValueSetLayer } from '../../src/municipal/municipal-layer';
import { FSIII, testApp } from '../support/app';

describe('service endpoints', () => {
  it('reports liveness and readiness with the catalog sizes', async () => {
    const app = await testApp();
    await request(app).get('/health').expect(200, { status: 'ok' });
    const ready = await request(app).get('/ready').expect(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.codeSystems).toBeGreaterThan(3);
  });

  it('reports not ready once shutdown has begun', async () => {
    const app = await testApp();
    app.beginShutdown();
    const res = await request(app).get('/ready').expect(503);
    expect(res.body.shuttingDown).toBe(true);
  });

  it('exposes Prometheus metrics by operation and status, and catalog sizes', async () => {
    const app = await testApp();
    await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' }).expect(200);
    await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: 'nope' }).expect(404);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toContain('faelles_tx_requests_total{route="CodeSystem/$lookup",status="200"} 1');
    expect(res.text).toContain('faelles_tx_requests_total{route="CodeSystem/$lookup",status="404"} 1');
    expect(res.text).toMatch(/faelles_tx_request_duration_seconds_bucket\{le="0.001",route="CodeSystem\/\$lookup"\}/);
    expect(res.text).toMatch(/faelles_tx_catalog_resources\{type="ValueSet"\} \d+/);
  });

  it('counts operations the server does not have under one route label, never by the name a client sent', async () => {
    const app = await testApp();
    const paths = ['/fhir/ValueSet/$aceOyiRSaG', '/fhir/CodeSystem/$qwErtY', '/fhir/ConceptMap/some-map/$made-up', '/fhir/ValueSet/$lookup'];
    for (const path of paths) await request(app).get(path).expect(404);
    await request(app).get('/fhir/ValueSet/$expand').query({ url: 'http://example.org/not-served' }).expect(404);
    const res = await request(app).get('/metrics').expect(200);
    for (const name of ['aceOyiRSaG', 'qwErtY', 'made-up', 'ValueSet/$lookup']) expect(res.text).not.toContain(name);
    expect(res.text).toContain(`faelles_tx_requests_total{route="other",status="404"} ${paths.length}`);
    expect(res.text).toContain('faelles_tx_requests_total{route="ValueSet/$expand",status="404"} 1');
  });

  it('serves Node\'s process metrics beside its own when the server gives them: one set for the process, each app its own counts', async () => {
    const processWide = processMetrics();
    const [one, two] = [await testApp({}, { processMetrics: processWide }), await testApp({}, { processMetrics: processWide })];
    await request(one).get('/fhir/metadata').expect(200);
    const [first, second] = [(await request(one).get('/metrics').expect(200)).text, (await request(two).get('/metrics').expect(200)).text];
    for (const text of [first, second]) {
      expect(text).toMatch(/^process_cpu_user_seconds_total [\d.]+$/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
    }
    expect(first).toContain('faelles_tx_requests_total{route="metadata",status="200"} 1');
    expect(second).not.toContain('route="metadata"');
    const alone = (await request(await testApp()).get('/metrics').expect(200)).text;
    expect(alone).toContain('faelles_tx_requests_total');
    expect(alone).not.toContain('process_cpu_user_seconds_total');
  });

  it('exports the response cache\'s hits, misses and what it holds, counting on across scrapes', async () => {
    const app = await testApp();
    const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    // one Host: the base URL is part of the cache key, and supertest listens on a new port per request
    const lookup = () => request(app).get('/fhir/CodeSystem/$lookup').set('Host', 'tx.example')
      .query({ system: FSIII, code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' }).expect(200);
    const before = (await request(app).get('/metrics').expect(200)).text;
    await lookup();
    await lookup();
    const after = (await request(app).get('/metrics').expect(200)).text;
    expect(metric(after, 'faelles_tx_response_cache_misses_total') - metric(before, 'faelles_tx_response_cache_misses_total')).toBe(1);
    expect(metric(after, 'faelles_tx_response_cache_hits_total') - metric(before, 'faelles_tx_response_cache_hits_total')).toBe(1);
    expect(metric(after, 'faelles_tx_response_cache_entries')).toBe(app.responseCache.size);
    expect(metric(after, 'faelles_tx_response_cache_bytes')).toBeGreaterThan(metric(before, 'faelles_tx_response_cache_bytes'));
    expect(after).toMatch(/^faelles_tx_response_cache_refused_total \d+$/m);
    await lookup();
    const again = (await request(app).get('/metrics').expect(200)).text;
    expect(metric(again, 'faelles_tx_response_cache_hits_total') - metric(after, 'faelles_tx_response_cache_hits_total')).toBe(1);
  });

  it("exports the terminology caches of clients: how many are held, their bytes, and how many were started and ended", async () => {
    const app = await testApp();
    const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    const scrape = async () => (await request(app).get('/metrics').expect(200)).text;
    const control = (...parameter: unknown[]) => request(app).post('/fhir/$cache-control').type('application/fhir+json').send({ resourceType: 'Parameters', parameter });
    const resource = { resourceType: 'CodeSystem', url: 'http://example.org/fhir/CodeSystem/m', status: 'active', content: 'complete', concept: [{ code: 'a' }] };
    const before = await scrape();
    expect(metric(before, 'faelles_tx_client_caches')).toBe(0);
    const started = await Promise.all([1, 2].map(async () => (await control({ name: 'mode', valueCode: 'start' }, { name: 'tx-resource', resource }).expect(200)).headers['x-cache-id'] as string));
    const held = await scrape();
    expect(metric(held, 'faelles_tx_client_caches')).toBe(2);
    const bytes = metric(held, 'faelles_tx_client_cache_bytes');
    expect(bytes).toBeGreaterThan(2 * JSON.stringify(resource.concept).length);
    expect(metric(held, 'faelles_tx_client_caches_started_total') - metric(before, 'faelles_tx_client_caches_started_total')).toBe(2);
    await control({ name: 'mode', valueCode: 'end' }).set('X-Cache-Id', started[0]!).expect(200);
    const after = await scrape();
    expect(metric(after, 'faelles_tx_client_caches')).toBe(1);
    expect(metric(after, 'faelles_tx_client_cache_bytes')).toBe(bytes / 2);
    expect(metric(after, 'faelles_tx_client_caches_ended_total') - metric(before, 'faelles_tx_client_caches_ended_total')).toBe(1);
    expect(after).toMatch(/^faelles_tx_client_caches_pushed_out_total 0$/m);
    expect(after).toMatch(/^faelles_tx_client_caches_expired_total 0$/m);
  });

  it('counts the catalogs for /metrics as /ready does, without computing the municipalities\' pick lists', async () => {
    const app = await testApp();
    const listed = jest.spyOn(MunicipalValueSetLayer.prototype, 'list');
    try {
      const res = await request(app).get('/metrics').expect(200);
      const ready = await request(app).get('/ready').expect(200);
      const gauge = (type: string) => Number(new RegExp(`faelles_tx_catalog_resources\\{type="${type}"\\} (\\d+)`).exec(res.text)?.[1]);
      expect(gauge('ValueSet')).toBe(ready.body.valueSets);
      expect(gauge('CodeSystem')).toBe(ready.body.codeSystems);
      expect(listed.mock.calls.filter(([type]) => type === 'ValueSet')).toEqual([]);
    } finally {
      listed.mockRestore();
    }
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const app = await testApp();
    const ok = await request(app).get('/health').set('X-Request-Id', 'abc-123');
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const bad = await request(app).get('/health').set('X-Request-Id', 'x'.repeat(500));
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers', async () => {
    const app = await testApp();
    const res = await request(app).get('/fhir/metadata');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('says which request headers an answer depends on (Vary: Accept, Accept-Language; Origin with CORS for named origins), once, on every path', async () => {
    const vary = (res: request.Response) => String(res.headers.vary).split(',').map((v) => v.trim().toLowerCase()).sort();
    const lookup = `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`;
    const closed = await testApp();
    const da = await request(closed).get(lookup).set('Accept-Language', 'da').expect(200);
    expect(vary(da)).toEqual(['accept', 'accept-language']);
    expect(vary(await request(closed).post('/fhir/CodeSystem/$lookup').type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: 'x' }] }))).toEqual(['accept', 'accept-language']);
    expect(vary(await request(closed).get('/fhir/CodeSystem/no-such-id').expect(404))).toEqual(['accept', 'accept-language']);
    const open = await testApp({ corsOrigins: ['https://eoj.example.dk'] });
    for (const res of [await request(open).get(lookup).set('Origin', 'https://eoj.example.dk'), await request(open).get('/fhir/metadata').set('Origin', 'https://eoj.example.dk')]) {
      expect(res.status).toBe(200);
      expect(vary(res)).toEqual(['accept', 'accept-language', 'origin']);
    }
  });

  it('answers CORS preflights only for configured origins', async () => {
    const open = await testApp({ corsOrigins: ['https://eoj.example.dk'] });
    const pre = await request(open).options('/fhir/ValueSet/$expand')
      .set('Origin', 'https://eoj.example.dk').set('Access-Control-Request-Method', 'POST');
    expect(pre.headers['access-control-allow-origin']).toBe('https://eoj.example.dk');
    const other = await request(open).get('/fhir/metadata').set('Origin', 'https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const closed = await testApp();
    const none = await request(closed).get('/fhir/metadata').set('Origin', 'https://eoj.example.dk');
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a CORS preflight as before, and another OPTIONS with the Allow of its path', async () => {
    const open = await testApp({ corsOrigins: ['https://eoj.example.dk'] });
    const pre = await request(open).options('/fhir/CodeSystem/kommune-101-x')
      .set('Origin', 'https://eoj.example.dk').set('Access-Control-Request-Method', 'PUT').expect(204);
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST,PUT,DELETE,OPTIONS');
    expect(pre.headers.allow).toBeUndefined();
    // the headers a write or a read may be made on, and the request preferences, may come from a browser on that origin
    const allowed = String(pre.headers['access-control-allow-headers']).toLowerCase().split(',');
    for (const h of ['if-match', 'if-none-match', 'if-unmodified-since', 'if-modified-since', 'prefer', 'authorization', 'accept-language']) expect(allowed).toContain(h);
    const plain = await request(open).options('/fhir/CodeSystem/kommune-101-x').set('Origin', 'https://eoj.example.dk').expect(204);
    expect([plain.headers.allow, plain.headers['access-control-allow-origin']]).toEqual(['GET, HEAD, PUT, DELETE', 'https://eoj.example.dk']);
  });

  it('rate-limits a client over its per-minute budget with a 429 OperationOutcome', async () => {
    const app = await testApp({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) await request(app).get('/fhir/metadata').expect(200);
    const res = await request(app).get('/fhir/metadata').expect(429);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('throttled');
  });
});

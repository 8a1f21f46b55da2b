import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { type App } from '../../src/app';
import type { Config } from '../../src/config';
import { fastPathOf } from '../../src/http/pipeline/fast-path';
import { expansionTemplate, fromTemplate } from '../../src/operations/caches/response-cache';
import { FSIII, testApp } from '../support/app';

const VS_119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119';
const INTERVENTIONS = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';
const VALID_119 = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const enc = encodeURIComponent;

interface Logged {
  lines: Record<string, unknown>[];
}

async function appWith(overrides: Partial<Config>, logged: Logged): Promise<App> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  return testApp(overrides, { logger });
}

/** The requests both paths must answer alike: the hot operations, their errors, and requests the fast path passes on. */
const REQUESTS: { path: string; headers?: Record<string, string>; method?: 'GET' | 'HEAD' }[] = [
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=not-a-code` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}&display=Forkert` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&coding=${enc(`${FSIII}|${VALID_119}`)}` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc('http://example.org/none')}&system=${enc(FSIII)}&code=x` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}`, headers: { 'Accept-Language': 'en;q=0.5, da' } },
  { path: `/fhir/CodeSystem/$validate-code?url=${enc(FSIII)}&code=${VALID_119}` },
  { path: `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c` },
  { path: `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c&property=*` },
  { path: `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=unknown` },
  { path: `/fhir/CodeSystem/$lookup?system=${enc('http://example.org/none')}&code=x` },
  { path: `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=a&code=b` },
  { path: `/fhir/CodeSystem/FSIII/$lookup?code=6eddbaf7-2a73-49d4-91e7-6138d419f58c` },
  { path: `/fhir/CodeSystem/no-such-id/$lookup?code=x` },
  { path: `/fhir/CodeSystem/__proto__/$lookup?code=x` },
  { path: `/fhir/ValueSet/a_b/$expand?count=1`, headers: { 'Accept-Language': 'da' } },
  { path: `/fhir/CodeSystem/${'x'.repeat(65)}/$lookup?code=x` },
  { path: `/fhir/CodeSystem/$subsumes?system=${enc(FSIII)}&codeA=102ea764-d2cf-4a24-979d-68c2e8d638cf&codeB=${VALID_119}` },
  { path: `/fhir/ValueSet/$expand?url=${enc(INTERVENTIONS)}&filter=tr%C3%A6&count=20` },
  { path: `/fhir/ValueSet/$expand?url=${enc(INTERVENTIONS)}&filter=hj&count=5&offset=2`, headers: { 'Accept-Language': 'da' } },
  { path: `/fhir/ValueSet/$expand?url=${enc(INTERVENTIONS)}&count=-1` },
  { path: `/fhir/ConceptMap/$translate?url=${enc('http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser')}&system=${enc('http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser')}&code=370-BOLDSPIL` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}&_format=xml` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}&_format=xml`, headers: { 'Accept-Language': 'da' } },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}&_format=json` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}&_format=json`, headers: { Accept: 'application/fhir+xml' } },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}`, headers: { Accept: 'application/json' } },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}&_format=application/json` },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}`, headers: { 'If-None-Match': '*' } },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}`, headers: { 'If-None-Match': 'W/"sha256-AAAAAAAAAAAAAAAAAAAAAA"' } },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&code=${VALID_119}`, headers: { 'If-Modified-Since': 'Mon, 07 Dec 2026 12:00:00 GMT' } },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}`, method: 'HEAD' },
  { path: `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}#fragment` },
  { path: `/FHIR/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}` },
  { path: '/fhir/ValueSet/$validate' },
  { path: '/fhir/ValueSet/$no-such-operation' },
  { path: '/fhir/ValueSet/KLInterventionCodes119/$lookup' },
  { path: '/fhir/CodeSystem/$expand' },
  { path: '/fhir/metadata' },
  { path: '/fhir/ValueSet?url=' + enc(VS_119) },
];

/** Headers that differ between any two answers (time, connection handling). */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);

function comparable(res: request.Response, path: string): { status: number; headers: Record<string, unknown>; body: unknown } {
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res.headers)) if (!VOLATILE.has(k)) headers[k] = v;
  // the rate limit window's remaining seconds tick on
  if (typeof headers.ratelimit === 'string') headers.ratelimit = headers.ratelimit.replace(/reset=\d+/, 'reset=(s)');
  let body: unknown = res.text;
  if (res.text && /json/.test(String(res.headers['content-type']))) {
    const json = JSON.parse(res.text) as { resourceType?: string; expansion?: { identifier?: string; timestamp?: string } };
    // an expansion is identified and timed afresh every time it is computed
    if (json.resourceType === 'ValueSet' && json.expansion && /\$expand/.test(path)) {
      json.expansion.identifier = 'urn:uuid:(new)';
      json.expansion.timestamp = '(now)';
      headers['content-length'] = '(varies with the timestamp)';
    }
    body = json;
  }
  return { status: res.status, headers, body };
}

async function send(app: App, r: (typeof REQUESTS)[number], i: number): Promise<request.Response> {
  const agent = request(app);
  const req = r.method === 'HEAD' ? agent.head(r.path) : agent.get(r.path);
  return req.set({ Host: 'tx.example', 'X-Request-Id': `req-${i}`, ...(r.headers ?? {}) });
}

/** A GET with a fixed Host (supertest listens on a new port each time, and the base URL is part of the cache key). */
function get(app: App, path: string) {
  return request(app).get(path).set('Host', 'tx.example');
}

function requestLines(logged: Logged): unknown[] {
  return logged.lines.filter((l) => l.msg === 'request').map((l) => [l.reqId, l.method, l.url, l.status]);
}

describe.each([
  ['default configuration', {}, {}],
  ['CORS on', { corsOrigins: ['https://kommune.example'] }, { Origin: 'https://kommune.example' }],
])('the lean dispatcher and Express answer alike (%s)', (_name, overrides: Partial<Config>, extraHeaders: Record<string, string>) => {
  const fastLog: Logged = { lines: [] };
  const expressLog: Logged = { lines: [] };
  let fast: App;
  let plain: App;
  beforeAll(async () => {
    fast = await appWith({ ...overrides }, fastLog);
    plain = await appWith({ ...overrides, fastPath: false }, expressLog);
  });

  it('gives the same status, headers and body for every request, twice (the second time from the cache)', async () => {
    expect(fastPathOf(fast)).toBeDefined();
    expect(fastPathOf(plain)).toBeUndefined();
    for (let round = 0; round < 2; round++) {
      for (const [i, r] of REQUESTS.entries()) {
        const withHeaders = { ...r, headers: { ...extraHeaders, ...(r.headers ?? {}) } };
        const a = await send(fast, withHeaders, i);
        const b = await send(plain, withHeaders, i);
        expect({ path: r.path, ...comparable(a, r.path) }).toEqual({ path: r.path, ...comparable(b, r.path) });
      }
    }
    expect(requestLines(fastLog)).toEqual(requestLines(expressLog));
    const { stats } = fastPathOf(fast)!;
    expect(stats.handled).toBeGreaterThanOrEqual(2 * 18);
    expect(stats.passed).toBeGreaterThanOrEqual(2 * 8);
    // both paths answer from the cache
    expect(fast.responseCache.hits).toBeGreaterThan(0);
    expect(plain.responseCache.hits).toBeGreaterThan(0);
  });
});

describe('the response cache', () => {
  const log: Logged = { lines: [] };
  let app: App;
  beforeAll(async () => {
    app = await appWith({}, log);
  });

  it('answers a repeated deterministic call from the cache, and recomputes after the catalogs change', async () => {
    const path = `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=${VALID_119}`;
    const cache = app.responseCache;
    const first = await get(app, path).expect(200);
    const hits = cache.hits;
    const second = await get(app, path).expect(200);
    expect(cache.hits).toBe(hits + 1);
    expect(second.text).toBe(first.text);

    app.registry.touch(); // what every write does
    const misses = cache.misses;
    const third = await get(app, path).expect(200);
    expect(cache.misses).toBe(misses + 1);
    expect(third.text).toBe(first.text);
  });

  it('keys on the languages: a different Accept-Language is computed, not served from another language', async () => {
    const path = `/fhir/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${VALID_119}`;
    const cache = app.responseCache;
    await get(app, path).set('Accept-Language', 'da').expect(200);
    const misses = cache.misses;
    await get(app, path).set('Accept-Language', 'en').expect(200);
    expect(cache.misses).toBe(misses + 1);
  });

  it('answers a repeated expansion from the cache, with a new identifier and timestamp as a new expansion has', async () => {
    const path = `/fhir/ValueSet/$expand?url=${enc(INTERVENTIONS)}&filter=tr%C3%A6&count=3`;
    const cache = app.responseCache;
    const a = await get(app, path).expect(200);
    const hits = cache.hits;
    await new Promise((r) => setTimeout(r, 5));
    const b = await get(app, path).expect(200);
    expect(cache.hits).toBe(hits + 1);
    expect(b.body.expansion.identifier).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(b.body.expansion.identifier).not.toBe(a.body.expansion.identifier);
    expect(Date.parse(b.body.expansion.timestamp)).toBeGreaterThan(Date.parse(a.body.expansion.timestamp));
    const same = (x: { expansion: Record<string, unknown> }) => ({ ...x, expansion: { ...x.expansion, identifier: '', timestamp: '' } });
    expect(same(b.body)).toEqual(same(a.body));
    expect(b.headers['content-length']).toBe(a.headers['content-length']);
    expect(Buffer.byteLength(b.text)).toBe(Number(b.headers['content-length']));
    const head = await request(app).head(path).set('Host', 'tx.example').expect(200);
    expect(cache.hits).toBe(hits + 2);
    expect(head.headers['content-length']).toBe(a.headers['content-length']);
    expect(head.text ?? '').toBe('');
  });

  it('answers a revalidation (If-None-Match with the answer\'s tag) 304 from the cache, in the lean dispatcher', async () => {
    const path = `/fhir/ValueSet/$expand?url=${enc(INTERVENTIONS)}&filter=tr%C3%A6&count=5`;
    const { stats } = fastPathOf(app)!;
    const tag = (await get(app, path).expect(200)).headers.etag as string;
    const [handled, hits] = [stats.handled, app.responseCache.hits];
    const revalidated = await get(app, path).set('If-None-Match', tag).expect(304);
    expect(revalidated.headers.etag).toBe(tag);
    expect(stats.handled).toBe(handled + 1);
    expect(app.responseCache.hits).toBe(hits + 1);
  });

  it('is off with RESPONSE_CACHE_ENTRIES=0', async () => {
    const off = await appWith({ responseCacheEntries: 0 }, { lines: [] });
    const path = `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=${VALID_119}`;
    await get(off, path).expect(200);
    await get(off, path).expect(200);
    expect(off.responseCache.hits).toBe(0);
    expect(off.responseCache.size).toBe(0);
  });
});

describe('expansion templates', () => {
  it('cut an answer at its identifier and timestamp, and refuse an answer where either is not unique', () => {
    const body = { resourceType: 'ValueSet', expansion: { identifier: 'urn:uuid:1', timestamp: '2026-01-01T00:00:00.000Z', total: 1 } };
    const template = expansionTemplate(JSON.stringify(body), 'urn:uuid:1', '2026-01-01T00:00:00.000Z')!;
    const made = fromTemplate(template);
    const text = Buffer.concat(made.chunks).toString();
    expect(made.byteLength).toBe(Buffer.byteLength(text));
    const again = JSON.parse(text) as typeof body;
    expect({ ...again, expansion: { ...again.expansion, identifier: 'x', timestamp: 'y' } }).toEqual({ ...body, expansion: { ...body.expansion, identifier: 'x', timestamp: 'y' } });
    expect(again.expansion.identifier).toMatch(/^urn:uuid:/);
    const twice = { ...body, title: 'urn:uuid:1' };
    expect(expansionTemplate(JSON.stringify(twice), 'urn:uuid:1', '2026-01-01T00:00:00.000Z')).toBeUndefined();
  });
});

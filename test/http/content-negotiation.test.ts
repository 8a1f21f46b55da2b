import type { Bundle, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { serveOverHttp } from '../support/server';
import { rawExchange } from '../support/socket';

/**
 * R4 http.html, Content Types and encodings: `_format` overrides Accept (for a client that cannot set it), and a client
 * that asks for a generic JSON type (application/json, text/json) is answered with that type, the bytes FHIR JSON.
 */
const NIKOTIN = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const enc = encodeURIComponent;
const LOOKUP = `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=${NIKOTIN}`;
const READ = '/fhir/CodeSystem/fsiii-status';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const GENERIC_JSON = 'application/json; charset=utf-8';

let app: App;
let plain: App;
beforeAll(async () => {
  app = await testApp();
  // operation GETs through Express's route instead of the lean adapter
  plain = await testApp({ fastPath: false });
});

const get = (a: App, path: string, headers: Record<string, string> = {}) => request(a).get(path).set({ Host: 'tx.example', ...headers });

describe('_format overrides Accept', () => {
  it.each([
    [READ, 'application/fhir+xml'],
    [LOOKUP, 'application/xml'],
    [LOOKUP, 'text/turtle'],
    ['/fhir/metadata', 'application/fhir+xml, application/xml;q=0.9'],
    ['/fhir/CodeSystem?_count=1', 'application/fhir+xml'],
  ])('%s with _format=json and Accept: %s is answered in FHIR JSON, not 406', async (path, accept) => {
    for (const format of ['json', 'application/fhir+json', 'application/json']) {
      for (const a of [app, plain]) {
        const res = await get(a, `${path}${path.includes('?') ? '&' : '?'}_format=${enc(format)}`, { Accept: accept }).expect(200);
        expect((res.body as { resourceType: string }).resourceType).toMatch(/^(CodeSystem|Parameters|CapabilityStatement|Bundle)$/);
      }
    }
  });

  it('a POSTed form\'s _format overrides Accept as the URL\'s does; a form without one is held to Accept', async () => {
    const form = `system=${enc(FSIII)}&code=${NIKOTIN}`;
    const post = (body: string, accept: string) => request(app).post('/fhir/CodeSystem/$lookup').set({ Accept: accept }).type('form').send(body);
    expect(((await post(`${form}&_format=json`, 'application/fhir+xml').expect(200)).body as { resourceType: string }).resourceType).toBe('Parameters');
    expect(((await post(form, 'application/fhir+xml').expect(406)).body as OperationOutcome).issue[0]!.code).toBe('not-supported');
    await post(form, 'application/fhir+json').expect(200);
    await request(app).post('/fhir/CodeSystem/_search').set({ Accept: 'application/fhir+xml' }).type('form').send('_count=1&_format=json').expect(200);
  });

  it('a _format naming XML, Turtle or an unknown format is still 406, a body of another FHIR version still 415', async () => {
    for (const format of ['xml', 'application/fhir+xml', 'ttl', 'html']) {
      for (const a of [app, plain]) {
        const res = await get(a, `${LOOKUP}&_format=${enc(format)}`, { Accept: 'application/fhir+json' }).expect(406);
        expect((res.body as OperationOutcome).issue[0]!.code).toBe('not-supported');
      }
      await get(app, `${READ}?_format=${enc(format)}`).expect(406);
    }
    await request(app).post('/fhir/CodeSystem/$lookup?_format=json').set('Accept', 'application/fhir+xml')
      .set('Content-Type', 'application/fhir+json; fhirVersion=5.0').send('{"resourceType":"Parameters"}').expect(415);
  });

  it('a _format naming a table format is 406 on an operation that answers no table, in both adapters; Accept preferring CSV gets JSON', async () => {
    for (const format of ['csv', 'text/csv', 'ndjson']) {
      for (const a of [app, plain]) {
        const res = await get(a, `${LOOKUP}&_format=${enc(format)}`).expect(406);
        expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'not-supported', details: { text: expect.stringMatching(/^\$lookup answers no table/) } });
      }
    }
    const negotiated = await get(app, LOOKUP, { Accept: 'text/csv, application/fhir+json;q=0.5' }).expect(200);
    expect((negotiated.body as { resourceType: string }).resourceType).toBe('Parameters');
    await get(app, '/fhir/ConceptMap/$export?_format=csv').expect(200);
  });

  it('a _format naming a table format is 406 on reads, searches, history, metadata and writes, which answer no table; Accept listing CSV gets JSON', async () => {
    const paths = [READ, '/fhir/ValueSet/ffb-ydelser', '/fhir/ValueSet?_count=1', '/fhir/CodeSystem/fsiii-status/_history', '/fhir/_history', '/fhir/metadata', '/fhir/metadata?mode=terminology'];
    for (const path of paths) {
      for (const format of ['csv', 'ndjson', 'text/csv']) {
        const res = await get(app, `${path}${path.includes('?') ? '&' : '?'}_format=${enc(format)}`).expect(406);
        expect([path, (res.body as OperationOutcome).issue[0]]).toEqual([path, expect.objectContaining({
          code: 'not-supported', details: { text: `This request answers no table: _format=${format} is not a format it writes; it answers JSON (_format=json)` },
        })]);
      }
      const negotiated = await get(app, path, { Accept: 'text/csv, application/fhir+json;q=0.5' }).expect(200);
      expect((negotiated.body as { resourceType: string }).resourceType).toMatch(/^(CodeSystem|ValueSet|Bundle|CapabilityStatement|TerminologyCapabilities)$/);
    }
    const danish = await get(app, `${READ}?_format=csv`, { 'Accept-Language': 'da' }).expect(406);
    expect((danish.body as OperationOutcome).issue[0]!.details!.text).toBe('Denne forespørgsel svarer ikke med en tabel: _format=csv er ikke et format, den skriver; den svarer med JSON (_format=json)');
    // refused before the write is made
    await request(app).post('/fhir/CodeSystem?_format=csv').type('application/fhir+json').send({ resourceType: 'CodeSystem' }).expect(406);
    const batch = await request(app).post('/fhir').type('application/fhir+json')
      .send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `${READ.slice(6)}?_format=csv` } }, { request: { method: 'GET', url: 'metadata?_format=ndjson' } }] })
      .expect(200);
    expect((batch.body as Bundle).entry!.map((e) => e.response?.status)).toEqual(['406 Not Acceptable', '406 Not Acceptable']);
  });

  it("in a batch entry's url, as the request alone", async () => {
    const res = await request(app).post('/fhir').set('Accept', 'application/fhir+xml').query({ _format: 'json' }).type('application/fhir+json')
      .send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `${READ.slice(6)}?_format=json` } }, { request: { method: 'GET', url: `${READ.slice(6)}?_format=xml` } }] })
      .expect(200);
    expect((res.body as Bundle).entry!.map((e) => e.response?.status)).toEqual(['200 OK', '406 Not Acceptable']);
  });
});

describe('Accept with q=0: not acceptable (RFC 9110 §12.4.2)', () => {
  it.each([
    'application/fhir+json;q=0',
    'application/fhir+xml;q=0.9, application/fhir+json;q=0',
    'application/fhir+json; q=0.0, application/json;q=0',
    '*/*;q=0',
    'application/fhir+xml, */*;q=0',
    'application/fhir+json;q=0, text/plain',
  ])('Accept: %s is 406 on reads, searches, metadata and operations, in both adapters', async (accept) => {
    for (const path of [READ, '/fhir/CodeSystem?_count=1', '/fhir/metadata']) {
      const res = await get(app, path, { Accept: accept }).expect(406);
      expect((res.body as OperationOutcome).issue[0]!.code).toBe('not-supported');
    }
    for (const a of [app, plain]) await get(a, LOOKUP, { Accept: accept }).expect(406);
  });

  it('a table operation asked for CSV with JSON at q=0 answers the table', async () => {
    const res = await get(app, '/fhir/ConceptMap/$export', { Accept: 'application/fhir+json;q=0, text/csv' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
  });
});

describe('a generic JSON type asked for is the Content-Type of the answer', () => {
  const PATHS = [READ, LOOKUP, '/fhir/metadata', '/fhir/CodeSystem?_count=1', '/fhir/CodeSystem/no-such-id', `${LOOKUP}x`];

  it.each(PATHS)('%s: application/json and text/json are answered with that type, the same bytes as FHIR JSON', async (path) => {
    for (const a of [app, plain]) {
      const fhir = await get(a, path);
      expect(fhir.headers['content-type']).toBe(FHIR_JSON);
      for (const [accept, type] of [['application/json', GENERIC_JSON], ['text/json', 'text/json; charset=utf-8'], ['application/json; charset=utf-8', GENERIC_JSON]]) {
        const res = await get(a, path, { Accept: accept! });
        expect([path, accept, res.status, res.headers['content-type']]).toEqual([path, accept, fhir.status, type]);
        expect(res.text).toBe(fhir.text);
      }
    }
  });

  it.each([
    ['application/fhir+json;q=0.5, application/json', GENERIC_JSON],
    ['application/json;q=0.5, application/fhir+json', FHIR_JSON],
    ['application/json, application/fhir+json', GENERIC_JSON],
    ['application/fhir+json, application/json', FHIR_JSON],
    ['application/fhir+xml, application/json;q=0.2', GENERIC_JSON],
    ['*/*', FHIR_JSON],
    ['application/*', FHIR_JSON],
    ['application/json+fhir', FHIR_JSON],
    ['application/json+fhir, application/json;q=0.5', FHIR_JSON],
    ['application/json;q=0, */*', FHIR_JSON],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', FHIR_JSON],
    ['application/json; fhirVersion=4.0', GENERIC_JSON],
    // JSON left acceptable beside a range at q=0, or no type of the server's named at all (answered in JSON)
    ['application/fhir+json;q=0, application/json', GENERIC_JSON],
    ['application/fhir+json;q=0.001', FHIR_JSON],
    ['text/csv;q=0, application/fhir+json', FHIR_JSON],
    ['text/plain', FHIR_JSON],
  ])('Accept: %s → %s (quality values decide, ties to the range named first)', async (accept, type) => {
    for (const a of [app, plain]) expect((await get(a, LOOKUP, { Accept: accept }).expect(200)).headers['content-type']).toBe(type);
    expect((await get(app, READ, { Accept: accept }).expect(200)).headers['content-type']).toBe(type);
  });

  it('_format decides over Accept: application/json names the generic type, json and application/fhir+json FHIR\'s', async () => {
    for (const a of [app, plain]) {
      const type = async (format: string, accept?: string) => (await get(a, `${LOOKUP}&_format=${enc(format)}`, accept ? { Accept: accept } : {}).expect(200)).headers['content-type'];
      expect(await type('application/json')).toBe(GENERIC_JSON);
      expect(await type('application/json', 'application/fhir+json')).toBe(GENERIC_JSON);
      expect(await type('json', 'application/json')).toBe(FHIR_JSON);
      expect(await type('application/fhir+json', 'application/json')).toBe(FHIR_JSON);
    }
  });

  it('a cached answer keeps its bytes and is written with the type each request asks for; HEAD gives the GET\'s type', async () => {
    const path = `/fhir/ValueSet/$expand?url=${enc('http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII')}&count=2`;
    const first = await get(app, path, { Accept: 'application/json' }).expect(200);
    const hits = app.responseCache.hits;
    const second = await get(app, path).expect(200);
    const third = await get(app, path, { Accept: 'application/json' }).expect(200);
    expect(app.responseCache.hits).toBe(hits + 2);
    expect([first.headers['content-type'], second.headers['content-type'], third.headers['content-type']]).toEqual([GENERIC_JSON, FHIR_JSON, GENERIC_JSON]);
    expect((second.body as { expansion: { contains: unknown } }).expansion.contains).toEqual((first.body as { expansion: { contains: unknown } }).expansion.contains);
    const head = await request(app).head(LOOKUP).set('Accept', 'application/json').expect(200);
    expect(head.headers['content-type']).toBe(GENERIC_JSON);
  });

  it('the answer of a request that timed out (408) is written with the type asked for too', async () => {
    const served = await serveOverHttp(await testApp({ requestTimeoutMs: 300 }));
    try {
      const head = (accept: string) => 'POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n' +
        `Accept: ${accept}\r\nContent-Length: 1000\r\n\r\n`;
      // both wait out the timeout at once
      const asked = [['application/json', GENERIC_JSON], ['application/fhir+json', FHIR_JSON]] as const;
      const answers = await Promise.all(asked.map(([accept]) => rawExchange(served.port, head(accept), '{"resourceType":')));
      answers.forEach((answer, i) => {
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(answer.toLowerCase()).toContain(`\r\ncontent-type: ${asked[i]![1]}\r\n`);
      });
    } finally {
      await served.close();
    }
  });
});

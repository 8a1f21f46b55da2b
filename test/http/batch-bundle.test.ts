import { Writable } from 'node:stream';
import pino from 'pino';
import { createInvoker } from '../../src/operations/invoke';
import type { AuditEvent, Bundle, BundleEntry, CodeSystem, OperationOutcome, Parameters, ParametersParameter, Resource } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import express from 'express';
import { batchRoute } from '../../src/http/routes/batch';
import { OPERATIONS } from '../../src/operations';
import { FSIII, testApp, testConfig } from '../support/app';
import { CODES, KOL_TARGETS, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { param, part } from '../support/parameters';
import { startServer } from '../support/server';

const JSON_TYPE = 'application/fhir+json';
const K370 = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';
const VS119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const enc = encodeURIComponent;
const MAX_BATCH_ENTRIES = testConfig().maxBatchEntries;

let app: App;

beforeAll(async () => {
  app = await testApp();
  const token = await tokenFor({ kommunekode: '101' });
  const codeSystem = localCodeSystem('101', 'rygning', [{ code: '101-RYGESTOP', display: 'Rygestophold', type: 'indsats' }]);
  const conceptMap = localConceptMap('101', 'rygning', [{ code: '101-RYGESTOP', targets: [CODES.tobaksafvaenningRetired] }]);
  await request(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(codeSystem).expect(201);
  await request(app).post('/fhir/ConceptMap').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(conceptMap).expect(201);
});

function postBatch(entries: Bundle['entry']) {
  return request(app).post('/fhir').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: entries });
}

describe('conditions of a batch entry, as the request alone honours them', () => {
  const CS = 'CodeSystem/kommune-101-rygning';

  it("a read's ifNoneMatch, or ifModifiedSince (an instant), is 304 when it holds, the resource when it does not", async () => {
    const read = await request(app).get(`/fhir/${CS}`).expect(200);
    const etag = read.headers.etag as string;
    const res = await postBatch([
      { request: { method: 'GET', url: CS, ifNoneMatch: etag } },
      { request: { method: 'GET', url: CS, ifNoneMatch: 'W/"99"' } },
      { request: { method: 'HEAD', url: CS, ifNoneMatch: '*' } },
      { request: { method: 'GET', url: CS, ifModifiedSince: new Date(Date.now() + 60_000).toISOString() } },
      { request: { method: 'GET', url: CS, ifModifiedSince: '2000-01-01T00:00:00Z' } },
    ]).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['304 Not Modified', '200 OK', '304 Not Modified', '304 Not Modified', '200 OK']);
    expect(entries[0]!.resource).toBeUndefined();
    expect(entries[0]!.response?.etag).toBe(etag);
    expect((entries[1]!.resource as CodeSystem).id).toBe('kommune-101-rygning');
  });

  it("an operation GET's ifNoneMatch is 304 when it names the answer's tag, else the answer with its tag; an entry that does not ask gets none", async () => {
    const lookup = `CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${CODES.nikotin}`;
    const alone = await request(app).get(`/fhir/${lookup}`).expect(200);
    const etag = alone.headers.etag as string;
    expect(etag).toMatch(/^W\/"sha256-/);
    const res = await postBatch([
      { request: { method: 'GET', url: lookup, ifNoneMatch: etag } },
      { request: { method: 'HEAD', url: lookup, ifNoneMatch: `W/"sha256-other", ${etag}` } },
      { request: { method: 'GET', url: lookup, ifNoneMatch: 'W/"sha256-AAAAAAAAAAAAAAAAAAAAAA"' } },
      { request: { method: 'GET', url: lookup } },
      { request: { method: 'POST', url: 'CodeSystem/$lookup', ifNoneMatch: '*' }, resource: { resourceType: 'Parameters', parameter: [] } as Parameters },
    ]).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['304 Not Modified', '304 Not Modified', '200 OK', '200 OK', '400 Bad Request']);
    expect(entries.slice(0, 3).map((e) => e.response?.etag)).toEqual([etag, etag, etag]);
    expect(entries[0]!.resource).toBeUndefined();
    expect(entries[2]!.resource).toEqual(alone.body);
    expect(entries[3]!.response?.etag).toBeUndefined();
    expect((entries[4]!.response?.outcome as OperationOutcome).issue[0]!.expression).toEqual(['Bundle.entry[4].request.ifNoneMatch']);
  });

  it('every other condition is refused for its entry only (400 naming it)', async () => {
    const res = await postBatch([
      { request: { method: 'GET', url: 'CodeSystem?url=x', ifModifiedSince: '2026-01-01T00:00:00Z' } },
      { request: { method: 'GET', url: CS, ifMatch: 'W/"1"' } },
      { request: { method: 'GET', url: 'CodeSystem?url=x', ifNoneMatch: '*' } },
      { request: { method: 'POST', url: 'CodeSystem/$lookup', ifNoneExist: 'url=x' }, resource: { resourceType: 'Parameters', parameter: [] } as Parameters },
      { request: { method: 'GET', url: CS } },
    ]).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['400 Bad Request', '400 Bad Request', '400 Bad Request', '400 Bad Request', '200 OK']);
    expect(entries.slice(0, 4).map((e) => (e.response?.outcome as OperationOutcome).issue[0]!.expression)).toEqual([
      ['Bundle.entry[0].request.ifModifiedSince'], ['Bundle.entry[1].request.ifMatch'], ['Bundle.entry[2].request.ifNoneMatch'], ['Bundle.entry[3].request.ifNoneExist'],
    ]);
  });
});

describe("the types of an entry's request", () => {
  it.each([5, true, {}, [], null])('a condition that is not text (%j) is 400 naming it, for that entry only, never a server error', async (value) => {
    const CS = 'CodeSystem/kommune-101-rygning';
    const res = await postBatch([
      { request: { method: 'GET', url: CS, ifNoneMatch: value as never } },
      { request: { method: 'GET', url: CS, ifModifiedSince: value as never } },
      { request: { method: 'GET', url: CS, ifMatch: value as never } },
      { request: { method: 'GET', url: 'CodeSystem?url=x', ifNoneExist: value as never } },
      { request: { method: 'GET', url: CS } },
    ]).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['400 Bad Request', '400 Bad Request', '400 Bad Request', '400 Bad Request', '200 OK']);
    const issues = entries.slice(0, 4).map((e) => (e.response?.outcome as OperationOutcome).issue[0]!);
    expect(issues.map((i) => [i.code, i.expression])).toEqual(['ifNoneMatch', 'ifModifiedSince', 'ifMatch', 'ifNoneExist'].map((field, i) => ['invalid', [`Bundle.entry[${i}].request.${field}`]]));
    expect(issues[0]!.details?.text).toBe(`Bundle.entry[0].request.ifNoneMatch must be a string, not ${JSON.stringify(value)}`);
  });

  it('a method, url or fullUrl that is not text, or a request that is not an object, is 400 naming it', async () => {
    const res = await postBatch([
      { request: { method: 5 as never, url: 'CodeSystem/kommune-101-rygning' } },
      { request: { method: 'GET', url: ['CodeSystem/kommune-101-rygning'] as never } },
      { fullUrl: {} as never, request: { method: 'GET', url: 'CodeSystem/kommune-101-rygning' } },
      { request: 'GET CodeSystem' as never },
    ]).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => [e.response?.status, (e.response?.outcome as OperationOutcome).issue[0]!.expression])).toEqual([
      ['400 Bad Request', ['Bundle.entry[0].request.method']], ['400 Bad Request', ['Bundle.entry[1].request.url']],
      ['400 Bad Request', ['Bundle.entry[2].fullUrl']], ['400 Bad Request', ['Bundle.entry[3].request']],
    ]);
  });
});

describe('a write as a batch entry', () => {
  it('is made on its own as the request alone would be, in order, each succeeding or failing by itself (R4 batch)', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const created = localCodeSystem('101', 'i-batch', [{ code: 'B', display: 'B', type: 'indsats' }]);
    const updated = { ...created, title: 'Opdateret i en batch' };
    const anothers = localCodeSystem('147', 'i-batch', [{ code: 'X', display: 'X', type: 'indsats' }]);
    const broken = { ...localCodeSystem('101', 'i-batch-fejl', [{ code: 'Y', display: 'Y', type: 'indsats' }]), status: 'not-a-status' };
    const res = await request(app).post('/fhir').set('Authorization', `Bearer ${token}`).set('Prefer', 'return=representation').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'PUT', url: `CodeSystem/${created.id}` }, resource: created },
      { request: { method: 'PUT', url: `CodeSystem/${created.id}` }, resource: updated },
      { request: { method: 'PUT', url: `CodeSystem/${anothers.id}` }, resource: anothers },
      { request: { method: 'PUT', url: `CodeSystem/${broken.id}` }, resource: broken },
      { request: { method: 'POST', url: 'CodeSystem/$lookup' }, resource: { resourceType: 'Parameters', parameter: [
        { name: 'system', valueUri: created.url }, { name: 'code', valueCode: 'B' }] } as Parameters },
      { request: { method: 'PATCH', url: `CodeSystem/${created.id}` } },
    ] }).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['201 Created', '200 OK', '403 Forbidden', '422 Unprocessable Entity', '200 OK', '405 Method Not Allowed']);
    expect(entries[1]!.response?.location).toMatch(new RegExp(`(^|/)CodeSystem/${created.id}/_history/2$`));
    expect((entries[1]!.resource as CodeSystem).title).toBe('Opdateret i en batch');
    // the lookup, after the writes before it, sees them
    expect(param(entries[4]!.resource as Parameters, 'display')?.valueString).toBe('B');
    expect((await request(app).get(`/fhir/CodeSystem/${created.id}`).expect(200)).body.title).toBe('Opdateret i en batch');
    await request(app).get(`/fhir/CodeSystem/${anothers.id}`).expect(404);
    await request(app).get(`/fhir/CodeSystem/${broken.id}`).expect(404);
    // a write recorded as the interaction it is, not as a transaction
    const audit = await request(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${created.id}` }).set('Authorization', `Bearer ${token}`).expect(200);
    expect((audit.body as Bundle).entry!.map((e) => (e.resource as AuditEvent).subtype![0]!.code)).toEqual(['update', 'update']);
  });

  it('takes _format and _pretty in a write entry\'s url as the write alone does (a table format 406), in a batch and a transaction', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    for (const type of ['batch', 'transaction']) {
      const cs = localCodeSystem('101', `format-${type}`, [{ code: 'B', display: 'B', type: 'indsats' }]);
      const ok = await request(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({ resourceType: 'Bundle', type, entry: [
        { request: { method: 'PUT', url: `CodeSystem/${cs.id}?_format=json&_pretty=true` }, resource: cs }] }).expect(200);
      expect((ok.body as Bundle).entry![0]!.response?.status).toBe('201 Created');
    }
    const cs = localCodeSystem('101', 'format-csv', [{ code: 'B', display: 'B', type: 'indsats' }]);
    const csv = await request(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'PUT', url: `CodeSystem/${cs.id}?_format=csv` }, resource: cs }] }).expect(200);
    expect((csv.body as Bundle).entry![0]!.response?.status).toBe('406 Not Acceptable');
  });

  it('is 405 naming what the server writes for a write of another type', async () => {
    const res = await request(app).post('/fhir').set('Accept-Language', 'en').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'PUT', url: 'Patient/x' }, resource: { resourceType: 'Patient', id: 'x' } },
      { request: { method: 'POST', url: 'AuditEvent' }, resource: { resourceType: 'AuditEvent' } }] }).expect(200);
    expect((res.body as Bundle).entry!.map((e) => [e.response?.status, (e.response?.outcome as OperationOutcome).issue[0]!.details?.text])).toEqual([
      ['405 Method Not Allowed', "PUT of '/Patient/x' is not a write this server makes: it writes CodeSystem, ValueSet, ConceptMap"],
      ['405 Method Not Allowed', 'The audit log is searched, not written'],
    ]);
  });

  it('without a token is 401 for each write entry, while its reads are answered', async () => {
    const created = localCodeSystem('101', 'uden-token', [{ code: 'B', display: 'B', type: 'indsats' }]);
    const res = await request(app).post('/fhir').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'POST', url: 'CodeSystem' }, resource: created },
      { request: { method: 'GET', url: `CodeSystem?url=${enc(K370)}` } },
      { request: { method: 'DELETE', url: `CodeSystem/${created.id}` } },
    ] }).expect(200);
    expect((res.body as Bundle).entry!.map((e) => e.response?.status)).toEqual(['401 Unauthorized', '200 OK', '401 Unauthorized']);
    // a write's refusal is for municipal staff: in Danish unless English is asked for, as the write alone
    expect(((res.body as Bundle).entry![0]!.response?.outcome as OperationOutcome).issue[0]!.details?.text).toBe('Du skal være logget ind for at ændre noget.');
    const english = await request(app).post('/fhir').set('Accept-Language', 'en').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'POST', url: 'CodeSystem' }, resource: created }] }).expect(200);
    expect(((english.body as Bundle).entry![0]!.response?.outcome as OperationOutcome).issue[0]!.details?.text).toMatch(/^Writing needs an Authorization/);
  });
});

describe('a batch of writes that runs past its request\'s time', () => {
  it('is 503 timeout saying earlier entries may be written, and writes no entry after it', async () => {
    // two seconds: reading the 4 MB body on a loaded machine must not take all of it (~800 entries a second are written here)
    const own = await testApp({ requestTimeoutMs: 2000, operationTimeBudgetMs: 1000 });
    const token = await tokenFor({ kommunekode: '101' });
    // more entries than two seconds can write on any machine
    const entries = Array.from({ length: 10_000 }, (_, i) => {
      const cs = localCodeSystem('101', `tid-${i}`, [{ code: 'A', display: 'A', type: 'indsats' }]);
      return { request: { method: 'PUT', url: `CodeSystem/${cs.id}` }, resource: cs };
    });
    const res = await request(own).post('/fhir').set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en').type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'batch', entry: entries }).expect(503);
    expect(res.body.issue[0].code).toBe('timeout');
    expect(res.body.issue[0].details.text).toMatch(/its entries not yet written were not written, but those before may have been/);
    const written = async () => ((await request(own).get('/fhir/CodeSystem').query({ 'url:below': 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/tid-', _summary: 'count' })
      .expect(200)).body as Bundle).total!;
    const first = await written();
    await new Promise((r) => setTimeout(r, 1000));
    // nothing more is written once the request is answered: the count a second later is the same, and short of all
    expect(await written()).toBe(first);
    expect(first).toBeLessThan(entries.length);
  }, 60_000);
});

describe("an entry's server error", () => {
  it('is logged at error level with the request id, as a request failing alone is, and answered 500 for that entry only (a read, an operation)', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logged = await testApp({}, { logger: pino({ level: 'info' }, sink) });
    const byId = jest.spyOn(logged.registry, 'byId').mockImplementation(() => {
      throw new Error('registry broke');
    });
    try {
      const res = await request(logged).post('/fhir').set('X-Request-Id', 'batch-7').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: `CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODES.nikotin}` } },
        { request: { method: 'GET', url: 'ValueSet/indsatskatalog-119' } },
        { request: { method: 'GET', url: 'ValueSet/indsatskatalog-119/$expand?count=2' } },
      ] }).expect(200);
      expect((res.body as Bundle).entry!.map((e) => e.response?.status)).toEqual(['200 OK', '500 Internal Server Error', '500 Internal Server Error']);
    } finally {
      byId.mockRestore();
    }
    const errors = lines.filter((l) => l.level === 50);
    // a read's error, and an operation's, which invoke answers 500 itself
    expect(errors).toEqual([1, 2].map((entry) => expect.objectContaining({ reqId: 'batch-7', entry, msg: 'batch entry failed', err: expect.objectContaining({ message: 'registry broke' }) })));
  });
});

describe('batch Bundle of terminology requests', () => {
  it('answers each entry on its own, without a token, in order, one status per entry', async () => {
    const res = await postBatch([
      { request: { method: 'GET', url: `ConceptMap/$translate?system=${enc(K370)}&code=370-KOL-REHAB` } },
      { request: { method: 'GET', url: `ConceptMap/$translate?code=370-BOLDSPIL` } }, // no system: 400 for this entry only
      { request: { method: 'GET', url: `CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODES.nikotin}` } },
      { request: { method: 'POST', url: 'ValueSet/$validate-code' }, resource: { resourceType: 'Parameters', parameter: [
        { name: 'url', valueUri: VS119 }, { name: 'coding', valueCoding: { system: FSIII, code: CODES.fysiskTraening140 } }] } as Parameters },
      { request: { method: 'GET', url: 'ValueSet/indsatskatalog-119/$expand?count=2' } },
      { request: { method: 'GET', url: 'ValueSet/indsatskatalog-119' } },
      { request: { method: 'GET', url: `ConceptMap?url=${enc('http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser')}` } },
      { request: { method: 'GET', url: 'CodeSystem/$nonsense?code=x' } },
      { request: { method: 'DELETE', url: 'ValueSet/indsatskatalog-119' } }, // a write, without a token
      { request: { method: 'GET', url: 'ValueSet/no-such-id' } },
    ]).expect(200);
    const bundle = res.body as Bundle;
    expect(bundle.type).toBe('batch-response');
    const statuses = bundle.entry!.map((e) => e.response?.status);
    expect(statuses).toEqual(['200 OK', '400 Bad Request', '200 OK', '200 OK', '200 OK', '200 OK', '200 OK', '404 Not Found', '401 Unauthorized', '404 Not Found']);

    const translated = bundle.entry![0]!.resource as Parameters;
    const codes = translated.parameter!.filter((p) => p.name === 'match').map((m) => part(m, 'concept')?.valueCoding?.code);
    expect(codes.sort()).toEqual([...KOL_TARGETS].sort());
    expect((bundle.entry![1]!.response!.outcome as OperationOutcome).issue[0]!.diagnostics ?? (bundle.entry![1]!.response!.outcome as OperationOutcome).issue[0]!.details?.text)
      .toMatch(/system/);
    expect(param(bundle.entry![2]!.resource as Parameters, 'display')?.valueString).toBe('Nikotin- og tobaksafvænning');
    expect(param(bundle.entry![3]!.resource as Parameters, 'result')?.valueBoolean).toBe(false);
    expect((bundle.entry![4]!.resource as { expansion?: { contains?: unknown[] } }).expansion?.contains).toHaveLength(2);
    expect((bundle.entry![5]!.resource as { url?: string }).url).toBe(VS119);
    expect((bundle.entry![6]!.resource as Bundle).total).toBe(1);
    // the same answers as the separate requests
    const single = await request(app).get(`/fhir/ConceptMap/$translate?system=${enc(K370)}&code=370-KOL-REHAB`).expect(200);
    expect(translated).toEqual(single.body);
  });

  it('refuses a batch larger than the documented limit as a whole (413), and other Bundle types as before', async () => {
    const many = Array.from({ length: MAX_BATCH_ENTRIES + 1 }, () => ({ request: { method: 'GET' as const, url: 'ValueSet/indsatskatalog-119' } }));
    const tooMany = await postBatch(many).expect(413);
    expect(JSON.stringify(tooMany.body)).toContain(String(MAX_BATCH_ENTRIES));
    const token = await tokenFor({ kommunekode: '101' });
    const history = await request(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'history', entry: [] });
    expect(history.status).toBe(400);
    expect(JSON.stringify(history.body)).toMatch(/transaction and batch/);
  });
});

describe('a Bundle without entries', () => {
  const history = async () => ((await request(app).get('/fhir/_history').expect(200)).body as Bundle).entry?.map((e) => `${e.request?.method} ${e.request?.url} ${e.response?.etag}`);

  it('is answered 200 with a response Bundle without entries (one per entry of the request), for a batch and a transaction, with or without a token', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const before = await history();
    expect(before?.length).toBeGreaterThan(0);
    for (const type of ['batch', 'transaction'] as const) {
      for (const entry of [[], undefined]) {
        for (const auth of [undefined, `Bearer ${token}`]) {
          const req = request(app).post('/fhir').type(JSON_TYPE);
          if (auth) req.set('Authorization', auth);
          const res = await req.send({ resourceType: 'Bundle', type, ...(entry && { entry }) }).expect(200);
          expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
          // FHIR JSON has no empty arrays
          expect(res.body).toEqual({ resourceType: 'Bundle', type: `${type}-response` });
        }
      }
    }
    expect(await history()).toEqual(before);
  });

  it('is answered so to fhir-kit-client too', async () => {
    const server = await startServer();
    try {
      expect(await server.client.batch({ body: { resourceType: 'Bundle', type: 'batch' } })).toEqual({ resourceType: 'Bundle', type: 'batch-response' });
      expect(await server.client.transaction({ body: { resourceType: 'Bundle', type: 'transaction' } })).toEqual({ resourceType: 'Bundle', type: 'transaction-response' });
    } finally {
      await server.close();
    }
  });
});

describe('a HEAD entry', () => {
  it("is answered as the GET, with the GET's response and no resource", async () => {
    const urls = [
      `CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODES.nikotin}`, 'ValueSet/indsatskatalog-119', `ValueSet?url=${enc(VS119)}`, 'metadata',
      'ConceptMap/$translate?code=370-BOLDSPIL', 'ValueSet/no-such-id',
    ];
    const batch = (method: 'GET' | 'HEAD') => postBatch(urls.map((url) => ({ request: { method, url } }))).expect(200);
    const gets = (await batch('GET')).body as Bundle;
    const heads = (await batch('HEAD')).body as Bundle;
    expect(gets.entry!.map((e) => e.response!.status)).toEqual(['200 OK', '200 OK', '200 OK', '200 OK', '400 Bad Request', '404 Not Found']);
    expect(heads.entry).toEqual(gets.entry!.map((e) => ({ response: e.response })));
  });
});

describe("_format and _pretty in an entry's url", () => {
  it('is checked as in the url of the request alone, the refusal being that entry\'s answer', async () => {
    const paths = [
      'ValueSet/indsatskatalog-119/$expand?count=1&_format=xml', 'ValueSet/indsatskatalog-119/$expand?count=1&_format=json&_format=json',
      `ValueSet/indsatskatalog-119/$expand?count=1&_format=${enc('application/fhir+json; fhirVersion=3.0')}`, 'ValueSet/indsatskatalog-119?_format=turtle',
      'metadata?_format=xml', `ValueSet?url=${enc(VS119)}&_format=${enc('application/fhir+json;fhirVersion=4.0')}`, 'ValueSet/indsatskatalog-119?_format=json',
      'ValueSet/indsatskatalog-119?_pretty=yes', 'ValueSet/indsatskatalog-119/$expand?count=1&_pretty=true&_pretty=false', 'ValueSet/indsatskatalog-119?_pretty=false',
    ];
    const bundle = (await postBatch(paths.map((url) => ({ request: { method: 'GET', url } }))).expect(200)).body as Bundle;
    expect(bundle.entry![0]!.response!.status).toBe('406 Not Acceptable');
    const statuses = bundle.entry!.map((e) => Number.parseInt(e.response!.status, 10));
    expect(statuses).toEqual([406, 400, 406, 406, 406, 200, 200, 400, 400, 200]);
    for (const [i, url] of paths.entries()) {
      const alone = await request(app).get(`/fhir/${url}`);
      expect([url, alone.status]).toEqual([url, statuses[i]]);
      if (alone.status !== 200) expect(bundle.entry![i]!.response!.outcome).toEqual(alone.body);
    }
  });
});

describe("an entry's read of an id", () => {
  it('is answered as the read alone: 400 for an id FHIR does not allow, 404 for an unknown one', async () => {
    const paths = ['CodeSystem/__proto__', 'ValueSet/a_b', `ConceptMap/${'x'.repeat(65)}`, 'CodeSystem/%00', 'CodeSystem/constructor', 'ValueSet/__proto__/'];
    const bundle = (await postBatch(paths.map((url) => ({ request: { method: 'GET', url } }))).expect(200)).body as Bundle;
    expect(bundle.entry!.map((e) => e.response!.status)).toEqual(['400 Bad Request', '400 Bad Request', '400 Bad Request', '400 Bad Request', '404 Not Found', '400 Bad Request']);
    for (const [i, url] of paths.entries()) {
      const alone = await request(app).get(`/fhir/${url}`);
      expect([url, bundle.entry![i]!.response!.outcome]).toEqual([url, alone.body]);
    }
  });
});

describe("an instance-level operation on an id", () => {
  it('is answered as the read of the id, alone and as a batch entry: 400 for an id FHIR does not allow, 404 for an unknown one', async () => {
    const ids = ['__proto__', 'a_b', 'x'.repeat(65), 'constructor'];
    const paths = ids.flatMap((id) => [`CodeSystem/${id}/$lookup?code=x`, `ValueSet/${id}/$expand?count=1`, `ConceptMap/${id}/$translate?code=x&system=${enc(K370)}`]);
    const bundle = (await postBatch(paths.map((url) => ({ request: { method: 'GET', url } }))).expect(200)).body as Bundle;
    expect(bundle.entry!.map((e) => e.response!.status)).toEqual([...Array(9).fill('400 Bad Request'), ...Array(3).fill('404 Not Found')]);
    for (const [i, url] of paths.entries()) {
      const alone = await request(app).get(`/fhir/${url}`);
      const read = await request(app).get(`/fhir/${url.slice(0, url.lastIndexOf('/'))}`);
      expect([url, alone.status, bundle.entry![i]!.response!.outcome]).toEqual([url, read.status, alone.body]);
      if (read.status === 400) expect(alone.body.issue[0].details.text).toBe(read.body.issue[0].details.text);
    }
  });
});

describe('every operation of the table as a batch entry', () => {
  const PARAMETERS = { resourceType: 'Parameters', parameter: [] } as Parameters;

  function entryOf(res: request.Response): BundleEntry {
    return (res.body as Bundle).entry![0]!;
  }

  it('is answered as the same request on its own, at each level it has (those that write: 4xx, never a server error)', async () => {
    for (const op of OPERATIONS) {
      for (const level of op.levels) {
        const type = op.resourceType === 'Resource' ? 'Patient' : op.resourceType;
        const url = level === 'system' ? `$${op.spec.name}` : level === 'type' ? `${type}/$${op.spec.name}` : `${type}/no-such/$${op.spec.name}`;
        const method = op.methods?.[0] ?? 'GET';
        const alone = method === 'GET' ? await request(app).get(`/fhir/${url}`) : await request(app).post(`/fhir/${url}`).type(JSON_TYPE).send(PARAMETERS);
        const entry = entryOf(await postBatch([{ request: { method, url }, ...(method === 'POST' ? { resource: PARAMETERS } : {}) }]).expect(200));
        const status = Number.parseInt(entry.response!.status, 10);
        if (alone.status === 401) {
          // an operation that writes needs the request's own token: a batch writes nothing
          expect([url, status]).toEqual([url, 400]);
          expect(JSON.stringify(entry.response!.outcome)).toMatch(/batch/);
        } else {
          expect([url, status]).toEqual([url, alone.status]);
        }
      }
    }
  });

  it('$validate with a resource body, at system and type level, answers as POST $validate alone', async () => {
    const patient = { resourceType: 'Patient', id: 'p1', gender: 'nonsense' };
    for (const url of ['$validate', 'Patient/$validate', 'Patient/p1/$validate']) {
      const alone = await request(app).post(`/fhir/${url}`).type(JSON_TYPE).send(patient).expect(200);
      const entry = entryOf(await postBatch([{ request: { method: 'POST', url }, resource: patient as Resource }]).expect(200));
      expect(entry.response!.status).toBe('200 OK');
      expect(entry.resource).toEqual(alone.body);
      expect((entry.resource as OperationOutcome).issue.some((i) => i.severity === 'error')).toBe(true);
    }
  });

  it('system-level operations that read ($versions, $packages) answer in a batch', async () => {
    for (const url of ['$versions', '$packages']) {
      const alone = await request(app).get(`/fhir/${url}`).expect(200);
      const entry = entryOf(await postBatch([{ request: { method: 'GET', url } }]).expect(200));
      expect(entry.response!.status).toBe('200 OK');
      expect(entry.resource).toEqual(alone.body);
    }
  });
});

describe('an entry with parameters in its url and its body', () => {
  const lookup = (code: string) => ({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: code }] }) as Parameters;

  async function aloneAndEntry(url: string, resource?: object): Promise<[request.Response, BundleEntry]> {
    const post = request(app).post(`/fhir/${url}`);
    const alone = resource ? await post.type(JSON_TYPE).send(resource) : await post;
    const batch = await postBatch([{ request: { method: 'POST', url }, ...(resource ? { resource: resource as Resource } : {}) }]).expect(200);
    return [alone, (batch.body as Bundle).entry![0]!];
  }

  it('POST with the parameters only in the url (no body) answers from the query, as the request alone', async () => {
    const [alone, entry] = await aloneAndEntry(`CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODES.nikotin}`);
    expect(alone.status).toBe(200);
    expect(entry.response!.status).toBe('200 OK');
    expect(entry.resource).toEqual(alone.body);
  });

  it('POST of Parameters with a query takes both, as the request alone; a parameter given in both is 400 in both', async () => {
    const [alone, entry] = await aloneAndEntry('CodeSystem/$lookup?property=parent', lookup(CODES.nikotin));
    const [withoutQuery] = await aloneAndEntry('CodeSystem/$lookup', lookup(CODES.nikotin));
    expect(alone.status).toBe(200);
    // only the property asked for in the url
    const properties = (body: unknown) => ((body as Parameters).parameter ?? []).filter((p) => p.name === 'property').map((p) => p.part?.[0]?.valueCode);
    expect(new Set(properties(alone.body))).toEqual(new Set(['parent']));
    expect(properties(withoutQuery.body).length).toBeGreaterThan(1);
    expect(entry.response!.status).toBe('200 OK');
    expect(entry.resource).toEqual(alone.body);
    const [aloneTwice, entryTwice] = await aloneAndEntry('CodeSystem/$lookup?code=no-such-code', lookup(CODES.nikotin));
    expect(aloneTwice.status).toBe(400);
    expect(entryTwice.response!.status).toBe('400 Bad Request');
    expect(entryTwice.response!.outcome).toEqual(aloneTwice.body);
  });

  it('POST of a resource to $validate takes mode, profile and kommunekode from the query, as the request alone', async () => {
    const [alone, entry] = await aloneAndEntry('Patient/$validate?mode=nonsense', { resourceType: 'Patient' });
    expect(alone.status).toBe(400);
    expect(entry.response!.status).toBe('400 Bad Request');
    expect(entry.response!.outcome).toEqual(alone.body);
  });
});

describe('batch limits', () => {
  it('a batch that runs past the request timeout is answered 503 timeout, not held until it is done', async () => {
    const slow = await testApp({ requestTimeoutMs: 100, operationTimeBudgetMs: 50 });
    const entry = Array.from({ length: MAX_BATCH_ENTRIES }, () => ({ request: { method: 'GET', url: `CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODES.nikotin}` } }));
    const res = await request(slow).post('/fhir').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry });
    expect(res.status).toBe(503);
    expect((res.body as OperationOutcome).issue[0]!.code).toBe('timeout');
  });

  it('entries after the answer size limit are answered 422 too-costly, the ones before in full', async () => {
    const small = express();
    small.use(express.json({ limit: '1mb' }));
    small.post('/', batchRoute({ registry: app.registry, profiles: undefined as never, writer: undefined as never, store: undefined as never, invoker: createInvoker({ registry: app.registry, cacheEntries: 0 }), maxEntries: 10, maxResponseBytes: 4000,
      contextFor: () => ({ registry: app.registry, acceptLanguages: [], limits: { maxExpansionSize: 1000 }, baseUrl: 'http://x/fhir' }), logFor: () => pino({ level: 'silent' }), verifier: undefined as never }));
    const entry = Array.from({ length: 5 }, () => ({ request: { method: 'GET', url: `ConceptMap/$translate?system=${enc(K370)}&code=370-KOL-REHAB` } }));
    const res = await request(small).post('/').send({ resourceType: 'Bundle', type: 'batch', entry }).expect(200);
    const statuses = (res.body as Bundle).entry!.map((e) => e.response?.status);
    const ok = statuses.filter((s) => s === '200 OK').length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(5);
    expect(statuses.slice(ok).every((s) => s === '422 Unprocessable Entity')).toBe(true);
    expect(JSON.stringify((res.body as Bundle).entry![ok]!.response!.outcome)).toMatch(/another batch/);
  });
});

describe('retired and outgoing map targets', () => {
  it('$translate follows replacedBy of a retired target, names the retired code and its replacement', async () => {
    const res = await request(app).get(`/fhir/ConceptMap/$translate?system=${enc('http://faelles-tx.dk/fhir/kommune/101/CodeSystem/rygning')}&code=101-RYGESTOP`)
      .expect(200);
    const body = res.body as Parameters;
    expect(param(body, 'result')?.valueBoolean).toBe(true);
    const matches = body.parameter!.filter((p) => p.name === 'match');
    expect(matches).toHaveLength(1);
    expect(part(matches[0], 'concept')?.valueCoding?.code).toBe(CODES.nikotin);
    const replaces = part(matches[0], 'replaces');
    expect(part(replaces, 'concept')?.valueCoding?.code).toBe(CODES.tobaksafvaenningRetired);
    expect(part(replaces, 'status')?.valueCode).toBe('retired');
    const message = param(body, 'message')?.valueString ?? '';
    expect(message).toContain(CODES.tobaksafvaenningRetired);
    expect(message).toContain(CODES.nikotin);
  });

  it('a codeableConcept of several codings: each match names the coding it translates', async () => {
    const res = await request(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE).send({ resourceType: 'Parameters', parameter: [
      { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: K370, code: '370-BOLDSPIL' }, { system: K370, code: '370-KOL-REHAB' }] } }] }).expect(200);
    const matches = (res.body as Parameters).parameter!.filter((p) => p.name === 'match')
      .map((m) => `${part(m, 'source')?.valueCoding?.code}>${part(m, 'concept')?.valueCoding?.code}`);
    // Fysisk træning §119 is a target of both: once for each
    expect(matches.sort()).toEqual([`370-BOLDSPIL>${CODES.fysiskTraening119}`, ...KOL_TARGETS.map((t) => `370-KOL-REHAB>${t}`)].sort());
  });

  it('a reverse $translate of the current code finds the local codes whose map still states the retired one', async () => {
    const res = await request(app).get(`/fhir/ConceptMap/$translate?system=${enc(FSIII)}&code=${CODES.nikotin}&reverse=true&kommunekode=101`).expect(200);
    const body = res.body as Parameters;
    const matches = body.parameter!.filter((p) => p.name === 'match');
    expect(matches.map((m) => part(m, 'concept')?.valueCoding?.code)).toEqual(['101-RYGESTOP']);
    expect(part(part(matches[0], 'replaces'), 'concept')?.valueCoding?.code).toBe(CODES.tobaksafvaenningRetired);
    expect(param(body, 'message')?.valueString).toContain(CODES.tobaksafvaenningRetired);
    // and the code the map states still answers as itself
    const stated = await request(app).get(`/fhir/ConceptMap/$translate?system=${enc(FSIII)}&code=${CODES.tobaksafvaenningRetired}&reverse=true&kommunekode=101`)
      .expect(200);
    expect((stated.body as Parameters).parameter!.filter((p) => p.name === 'match').map((m) => part(m, 'concept')?.valueCoding?.code)).toEqual(['101-RYGESTOP']);
  });

  it('the retired code still answers $lookup with its niveau, paragraph and niveau 1', async () => {
    const res = await request(app).get(`/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODES.tobaksafvaenningRetired}`).expect(200);
    const props = new Map((res.body as Parameters).parameter!.filter((p) => p.name === 'property').map((p) => [part(p, 'code')?.valueCode, part(p, 'value')]));
    expect(props.get('status')?.valueCode).toBe('retired');
    expect(props.get('niveau')?.valueInteger).toBe(2);
    expect(props.get('lovparagraf')?.valueString).toBe('Sundhedsloven §119');
    expect(props.get('niveau1')?.valueCode).toBe(CODES.paragraf119);
  });
});

describe('history and vread entries', () => {
  it('are answered as the requests alone: the history Bundles, the version, 404 and 410, 400 for a bad id or _since', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const created = await request(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send(localCodeSystem('101', 'slettes', [{ code: '101-X', display: 'X', type: 'indsats' }])).expect(201);
    const id = (created.body as Resource).id!;
    await request(app).delete(`/fhir/CodeSystem/${id}`).set('Authorization', `Bearer ${token}`).expect(200);
    const paths = ['_history', '_history/', 'CodeSystem/_history', 'ConceptMap/_history?_count=1', `CodeSystem/${id}/_history`, `CodeSystem/${id}/_history/1`,
      `CodeSystem/${id}/_history/2`, `CodeSystem/${id}/_history/3`, 'ValueSet/indsatskatalog-119/_history', 'ValueSet/no-such-id/_history', 'CodeSystem/a_b/_history',
      'CodeSystem/a_b/_history/1', '_history?_since=yesterday'];
    const host = 'tx.example';
    const bundle = (await request(app).post('/fhir').set('Host', host).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'batch', entry: paths.map((url) => ({ request: { method: 'GET', url } })) }).expect(200)).body as Bundle;
    const statuses = bundle.entry!.map((e) => Number.parseInt(e.response!.status, 10));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 410, 404, 200, 404, 400, 400, 400]);
    for (const [i, url] of paths.entries()) {
      const alone = await request(app).get(`/fhir/${url}`).set('Host', host);
      const entry = bundle.entry![i]!;
      expect([url, alone.status, alone.status < 300 ? entry.resource : entry.response!.outcome]).toEqual([url, statuses[i], alone.body]);
    }
    expect((bundle.entry![5]!.resource as CodeSystem).meta?.versionId).toBe('1');
    expect((bundle.entry![4]!.resource as Bundle).entry!.map((e) => e.request?.method)).toEqual(['DELETE', 'POST']);
  });
});

describe('read entries', () => {
  it('carry the version read in the response (etag, lastModified) as the read alone carries ETag and Last-Modified, also for HEAD', async () => {
    const paths = ['CodeSystem/kommune-101-rygning', 'CodeSystem/kommune-101-rygning/_history/1', 'CodeSystem/FSIII'];
    const bundle = (await postBatch([...paths.map((url) => ({ request: { method: 'GET' as const, url } })), { request: { method: 'HEAD' as const, url: paths[0]! } }]).expect(200)).body as Bundle;
    for (const [i, url] of paths.entries()) {
      const alone = await request(app).get(`/fhir/${url}`).expect(200);
      expect(bundle.entry![i]!.response?.etag).toBe(alone.headers.etag);
      const lastModified = bundle.entry![i]!.response?.lastModified;
      if (alone.headers['last-modified']) expect(new Date(lastModified!).toUTCString()).toBe(alone.headers['last-modified']);
      else expect(lastModified).toBeUndefined();
    }
    expect(bundle.entry![0]!.response?.etag).toBe('W/"1"');
    expect(bundle.entry![3]!.resource).toBeUndefined();
    expect(bundle.entry![3]!.response).toEqual(bundle.entry![0]!.response);
  });

  it('take _summary and _elements as the read alone, and a search takes Prefer: handling=lenient as the search alone', async () => {
    const url = 'CodeSystem/FSIII?_elements=url,version';
    const bundle = (await postBatch([{ request: { method: 'GET', url } }, { request: { method: 'GET', url: `CodeSystem?url=${enc(FSIII)}&colour=blue` } }])
      .set('Prefer', 'handling=lenient').expect(200)).body as Bundle;
    expect(bundle.entry![0]!.resource).toEqual((await request(app).get(`/fhir/${url}`).expect(200)).body);
    expect((bundle.entry![0]!.resource as CodeSystem).concept).toBeUndefined();
    expect(bundle.entry![1]!.response?.status).toMatch(/^200/);
    expect((bundle.entry![1]!.resource as Bundle).total).toBe(1);
  });
});

describe('search entries by `[type]/_search`', () => {
  it('are answered as the search of [type] alone, by GET and by POST with the parameters in the url; a resource there is 400', async () => {
    const search = `url=${enc(VS119)}&_elements=url`;
    const alone = (await request(app).get(`/fhir/ValueSet?${search}`).expect(200)).body as Bundle;
    expect(alone.total).toBe(1);
    const bundle = (await postBatch([
      { request: { method: 'GET', url: `ValueSet/_search?${search}` } },
      { request: { method: 'POST', url: `ValueSet/_search?${search}` } },
      { request: { method: 'POST', url: 'ValueSet/_search' }, resource: { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS119 }] } as Parameters },
    ]).expect(200)).body as Bundle;
    // each supertest request has a server of its own (another port in the links); the id and time are the Bundle's own
    const comparable = (b: Bundle) => JSON.parse(JSON.stringify({ ...b, id: undefined, meta: undefined }).replace(/http:\/\/127\.0\.0\.1:\d+/g, 'BASE')) as unknown;
    const searchset = (k: number) => comparable(bundle.entry![k]!.resource as Bundle);
    expect(bundle.entry![0]!.response?.status).toMatch(/^200/);
    expect(searchset(0)).toEqual(comparable(alone));
    expect(searchset(1)).toEqual(searchset(0));
    expect(bundle.entry![2]!.response?.status).toMatch(/^400/);
    expect(JSON.stringify(bundle.entry![2]!.response?.outcome)).toMatch(/request\.url/);
  });
});

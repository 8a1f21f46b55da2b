import type { Bundle, BundleEntry, CodeSystem, OperationOutcome, Parameters } from 'fhir/r4';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { appWithToken } from '../support/app';
import { localCodeSystem, sampleCatalog } from '../support/local';

/**
 * The write interactions as FHIR R4's RESTful API (http.html) and RFC 9110 have them, where a FHIR client relies on
 * them: a body's meta.versionId and lastUpdated ignored, If-Match `*` and lists, a delete of an id that does not exist,
 * a quoted Prefer value, conditional update and delete refused 400, reads in a transaction, an entry url with a `/`.
 */
const JSON_TYPE = 'application/fhir+json';

let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101' }));
  const { codeSystem, conceptMap } = sampleCatalog('101');
  for (const r of [codeSystem, conceptMap]) {
    await inEnglish(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', auth).type(JSON_TYPE).send(r).expect(201);
  }
});

const catalog = (name: string, title = 'Titel') => ({ ...localCodeSystem('101', name, [{ code: `101-${name}`, display: 'En', type: 'indsats' }]), title });
const put = (body: CodeSystem, headers: Record<string, string> = {}) =>
  inEnglish(app).put(`/fhir/CodeSystem/${body.id}`).set({ Authorization: auth, ...headers }).type(JSON_TYPE).send(body);
const current = async (id: string) => (await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(200)).body as CodeSystem;

describe("an update's meta.versionId and meta.lastUpdated (R4 update: the server SHALL ignore them)", () => {
  it('are ignored, a stale or malformed version and a past time alike: the update is written as the next version, at the time the server gives', async () => {
    const cs = catalog('meta-ignoreret');
    await put(cs).expect(201);
    await put({ ...cs, title: 'Anden' }).expect(200);
    await put({ ...cs, title: 'Tredje' }).expect(200);
    const before = Date.now();
    const res = await put({ ...cs, title: 'Fjerde', meta: { versionId: '1', lastUpdated: '2001-01-01T00:00:00Z', tag: [{ system: 'http://example.org/t', code: 'x' }] } }).expect(200);
    expect(res.headers.etag).toBe('W/"4"');
    const now = await current(cs.id!);
    expect(now.title).toBe('Fjerde');
    expect(now.meta).toMatchObject({ versionId: '4', tag: [{ system: 'http://example.org/t', code: 'x' }] });
    expect(Date.parse(now.meta!.lastUpdated!)).toBeGreaterThanOrEqual(before - 1000);
    // not even read: a versionId that is no id, a lastUpdated that is no instant
    await put({ ...cs, title: 'Femte', meta: { versionId: 'ikke et id!', lastUpdated: 'i går' } }).expect(200);
    expect((await current(cs.id!)).meta).toEqual({ versionId: '5', lastUpdated: expect.any(String) });
  });

  it('are ignored by a create and in a transaction; a version-aware update is If-Match\'s (412 when stale)', async () => {
    const cs = catalog('meta-transaktion');
    const created = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', auth).type(JSON_TYPE)
      .send({ ...cs, id: undefined, meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00Z' } }).expect(201);
    expect((created.body as CodeSystem).meta?.versionId).toBe('1');
    expect((created.body as CodeSystem).meta?.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
    const id = (created.body as CodeSystem).id!;
    await put({ ...cs, id, title: 'Anden' }).expect(200);
    const stale = { ...cs, id, title: 'Tredje', meta: { versionId: '1' } };
    await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: stale, request: { method: 'PUT', url: `CodeSystem/${id}` } }] }).expect(200);
    expect((await current(id)).meta?.versionId).toBe('3');
    await put({ ...stale, title: 'Fjerde' }, { 'If-Match': 'W/"2"' }).expect(412);
  });
});

describe('If-Match (RFC 9110 §13.1.1): *, a list, or malformed', () => {
  it('* holds for any current version, and fails (412) for an id with none: nothing is created', async () => {
    const cs = catalog('if-match-stjerne');
    const refused = await put(cs, { 'If-Match': '*' }).expect(412);
    expect((refused.body as OperationOutcome).issue[0]).toMatchObject({ code: 'conflict', details: { text: `CodeSystem/${cs.id} does not exist, so If-Match * cannot match` } });
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    await put(cs).expect(201);
    await put({ ...cs, title: 'Anden' }, { 'If-Match': '*' }).expect(200);
    await inEnglish(app).delete(`/fhir/CodeSystem/${cs.id}`).set({ Authorization: auth, 'If-Match': '*' }).expect(200);
    await put(cs, { 'If-Match': '*' }).expect(412); // deleted: no current version
  });

  it('a list holds when any of its tags names the current version (weak comparison), else 412', async () => {
    const cs = catalog('if-match-liste');
    await put(cs).expect(201);
    await put({ ...cs, title: 'Anden' }, { 'If-Match': 'W/"9", W/"1"' }).expect(200);
    const stale = await put({ ...cs, title: 'Tredje' }, { 'If-Match': 'W/"1", "3", W/"abc"' }).expect(412);
    expect((stale.body as OperationOutcome).issue[0]?.details?.text).toMatch(/is at version 2, not 1 or 3 or abc \(If-Match\)/);
    await put({ ...cs, title: 'Tredje' }, { 'If-Match': '"1", "2"' }).expect(200);
    expect((await current(cs.id!)).title).toBe('Tredje');
    // a transaction entry's ifMatch is read the same way
    const entry = (ifMatch: string) => ({ resource: { ...cs, title: ifMatch }, request: { method: 'PUT', url: `CodeSystem/${cs.id}`, ifMatch } });
    const transaction = (ifMatch: string) => inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry: [entry(ifMatch)] });
    await transaction('W/"7", W/"8"').expect(412);
    await transaction('W/"7", W/"3"').expect(200);
    await transaction('*').expect(200);
  });

  it.each(['yesterday', 'W/"1" W/"2"', 'W/"1", *', ',', 'W/1'])('%j is malformed: 400, nothing written', async (value) => {
    const cs = catalog('if-match-forkert');
    await put(cs).expect((r) => expect([200, 201]).toContain(r.status));
    const version = (await current(cs.id!)).meta?.versionId;
    const res = await put({ ...cs, title: 'Ændret' }, { 'If-Match': value }).expect(400);
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toContain('If-Match must be * or ETags like W/"3"');
    expect((await current(cs.id!)).meta?.versionId).toBe(version);
  });
});

describe('a DELETE of what is not there (R4 delete: 200 or 204 also when the resource does not exist at all)', () => {
  it('of an id never written is 200 saying nothing was deleted, and writes nothing', async () => {
    const res = await inEnglish(app).delete('/fhir/CodeSystem/kommune-101-aldrig-skrevet').set('Authorization', auth).expect(200);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'information', details: { text: 'CodeSystem/kommune-101-aldrig-skrevet does not exist; nothing was deleted' } });
    await inEnglish(app).get('/fhir/CodeSystem/kommune-101-aldrig-skrevet').expect(404);
    await inEnglish(app).get('/fhir/CodeSystem/kommune-101-aldrig-skrevet/_history').expect(404);
    await inEnglish(app).delete('/fhir/ConceptMap/some-id-nobody-wrote').set('Authorization', auth).expect(200);
    // and in a transaction
    const tx = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'ValueSet/kommune-101-heller-ikke' } }] }).expect(200);
    expect((tx.body as Bundle).entry?.[0]?.response?.status).toBe('200 OK');
  });

  it("of another municipality's id is still refused (403)", async () => {
    await inEnglish(app).delete('/fhir/CodeSystem/kommune-147-aldrig-skrevet').set('Authorization', auth).expect(403);
    await inEnglish(app).delete('/fhir/CodeSystem/kommune-101-aldrig-skrevet').expect(401);
  });

  it('of a pick list computed from the catalogs is 405 saying so, with the Allow header OPTIONS answers (GET, HEAD, PUT)', async () => {
    const path = '/fhir/ValueSet/kommune-101-indsatser';
    await inEnglish(app).get(path).expect(200);
    const res = await inEnglish(app).delete(path).set('Authorization', auth).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, PUT');
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toMatch(/is a pick list computed from the municipality's catalogs; it is not stored and cannot be deleted/);
    const options = await inEnglish(app).options(path).expect(204);
    expect(options.headers.allow).toBe('GET, HEAD, PUT');
    await inEnglish(app).get(path).expect(200);
  });
});

describe('Prefer: return with a quoted value (RFC 7240 §2)', () => {
  it.each([['return="minimal"'], ['respond-async, return="minimal"; x=1'], ['RETURN=minimal']])('%s is minimal: no body', async (prefer) => {
    const cs = catalog('prefer-minimal');
    const res = await put(cs, { Prefer: prefer });
    expect([200, 201]).toContain(res.status);
    expect(res.text).toBe('');
    expect(res.headers.etag).toMatch(/^W\/"\d+"$/);
  });

  it('return="OperationOutcome" answers the outcome; a quoted handling="strict" still refuses an unknown search parameter', async () => {
    const res = await put(catalog('prefer-outcome'), { Prefer: 'return="OperationOutcome"' });
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    await inEnglish(app).get('/fhir/CodeSystem').query({ ukendt: 'x' }).set('Prefer', 'handling="strict"').expect(400);
    await inEnglish(app).get('/fhir/CodeSystem').query({ ukendt: 'x' }).set('Prefer', 'return=minimal, handling="lenient"').expect(200);
  });
});

describe('PUT and DELETE on a type (R4: conditional update and delete, test/http/conditional-writes.test.ts)', () => {
  it.each([['PUT', '/fhir/ConceptMap'], ['DELETE', '/fhir/ValueSet']])('%s %s without a search is 400 naming both forms, nothing written', async (method, path) => {
    const req = inEnglish(app)[method === 'PUT' ? 'put' : 'delete'](path).set('Authorization', auth);
    const res = await (method === 'PUT' ? req.type(JSON_TYPE).send(sampleCatalog('101').codeSystem) : req).expect(400);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({
      code: 'invalid', details: { text: `${method} names its resource by id (${method} [type]/[id]) or by a search (${method} [type]?[search parameters])` },
    });
    expect(res.headers.allow).toBeUndefined();
    expect((await current('kommune-101-lokale-indsatser')).meta?.versionId).toBe('1');
  });
});

describe('reads in a transaction (R4 transaction rules: GET and HEAD after the writes)', () => {
  it('are answered after the writes, which they see, as a batch answers them', async () => {
    const cs = catalog('transaktion-laes');
    const res = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { request: { method: 'GET', url: `CodeSystem/${cs.id}` } },
        { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
        { request: { method: 'GET', url: `CodeSystem?url=${encodeURIComponent(cs.url!)}` } },
        { request: { method: 'HEAD', url: 'CodeSystem/kommune-101-lokale-indsatser' } },
      ],
    }).expect(200);
    const body = res.body as Bundle;
    expect(body.type).toBe('transaction-response');
    const [read, write, search, head] = body.entry as BundleEntry[];
    expect(write!.response).toMatchObject({ status: '201 Created', etag: 'W/"1"' });
    expect(read!.response).toMatchObject({ status: '200 OK', etag: 'W/"1"' });
    expect(read!.resource).toMatchObject({ resourceType: 'CodeSystem', id: cs.id, meta: { versionId: '1' } });
    expect(search!.resource).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(head).toEqual({ response: expect.objectContaining({ status: '200 OK', etag: 'W/"1"' }) });
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(200);
  });

  it.each([
    ['with a condition a read does not take', { method: 'GET', url: 'CodeSystem/kommune-101-lokale-indsatser', ifMatch: 'W/"1"' }, 400, /ifMatch: the condition If-Match is not supported/],
    ['of an id that is not there', { method: 'GET', url: 'CodeSystem/findes-ikke' }, 404, /findes-ikke/],
    ['of what the transaction deletes', { method: 'HEAD', url: 'CodeSystem/kommune-101-slettes-i-transaktionen' }, 410, /reads CodeSystem\/kommune-101-slettes-i-transaktionen, which the transaction deletes/],
    ['that is no read of this server', { method: 'GET', url: 'Patient/1' }, 404, /is not a read or an operation of this server/],
  ] as [string, BundleEntry['request'], number, RegExp][])('a read %s refuses the whole transaction before anything is written (all or nothing)', async (_what, read, status, text) => {
    const doomed = catalog('slettes-i-transaktionen');
    await put(doomed).expect((r) => expect([200, 201]).toContain(r.status));
    const cs = catalog(`transaktion-laes-afvist-${status}`);
    const res = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
        { request: { method: 'DELETE', url: `CodeSystem/${doomed.id}` } },
        { request: read },
      ],
    }).expect(status);
    expect((res.body as OperationOutcome).issue[0]!.diagnostics ?? (res.body as OperationOutcome).issue[0]!.details?.text).toMatch(text);
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    await inEnglish(app).get(`/fhir/CodeSystem/${doomed.id}`).expect(200);
  });

  it('a transaction of reads only needs no token, as reads do not', async () => {
    const res = await inEnglish(app).post('/fhir').type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: 'CodeSystem/kommune-101-lokale-indsatser' } }],
    }).expect(200);
    expect((res.body as Bundle).entry?.[0]?.response?.status).toBe('200 OK');
    await inEnglish(app).post('/fhir').type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'CodeSystem/kommune-101-lokale-indsatser' } }],
    }).expect(401);
  });

  it('calls an operation by POST after its writes, which it sees, as its reads are; one that changes state refuses the transaction', async () => {
    const cs = catalog('transaktion-operation');
    const res = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { request: { method: 'POST', url: 'CodeSystem/$lookup' }, resource: { resourceType: 'Parameters', parameter: [
          { name: 'system', valueUri: cs.url }, { name: 'code', valueCode: cs.concept![0]!.code }] } },
        { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
      ],
    }).expect(200);
    expect((res.body as Bundle).entry!.map((e) => e.response?.status)).toEqual(['200 OK', '201 Created']);
    expect(((res.body as Bundle).entry![0]!.resource as Parameters).parameter!.find((p) => p.name === 'display')?.valueString)
      .toBe(cs.concept![0]!.display);
    const refused = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { request: { method: 'POST', url: 'ConceptMap/$closure' }, resource: { resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'i-transaktion' }] } },
        { resource: catalog('transaktion-closure'), request: { method: 'PUT', url: 'CodeSystem/kommune-101-transaktion-closure' } },
      ],
    }).expect(400);
    expect((refused.body as OperationOutcome).issue[0]!.details?.text).toMatch(/^Bundle\.entry\[0\] calls \$closure, which changes state; it is not part of a transaction/);
    await inEnglish(app).get('/fhir/CodeSystem/kommune-101-transaktion-closure').expect(404);
  });

  it('a write refused refuses the whole transaction: its reads are not answered', async () => {
    const res = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { request: { method: 'GET', url: 'CodeSystem/kommune-101-lokale-indsatser' } },
        { resource: catalog('transaktion-afvist'), request: { method: 'PUT', url: 'CodeSystem/kommune-101-transaktion-afvist', ifMatch: 'W/"5"' } },
      ],
    }).expect(412);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });
});

describe("a transaction entry's url (one rule with a batch's)", () => {
  it('may start with /, as a batch entry\'s may', async () => {
    const cs = catalog('skraastreg');
    const res = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [{ resource: cs, request: { method: 'PUT', url: `/CodeSystem/${cs.id}` } }],
    }).expect(200);
    expect((res.body as Bundle).entry?.[0]?.response?.location).toBe(`CodeSystem/${cs.id}/_history/1`);
    const batch = await inEnglish(app).post('/fhir').type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `/CodeSystem/${cs.id}` } }] }).expect(200);
    expect((batch.body as Bundle).entry?.[0]?.response?.status).toBe('200 OK');
  });
});

describe("a write's body in another media type than FHIR's JSON (R4 http.html: 415 for a format the server does not take)", () => {
  it('a form, which the server reads for searches and operations, is 415 for a create, an update, a conditional update and a transaction, and writes nothing', async () => {
    const cs = catalog('som-formular');
    const form = 'application/x-www-form-urlencoded';
    const sent = [
      inEnglish(app).post('/fhir/CodeSystem').set('Authorization', auth).type(form).send(JSON.stringify(cs)),
      inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type(form).send(JSON.stringify(cs)),
      inEnglish(app).put(`/fhir/CodeSystem?url=${encodeURIComponent(cs.url!)}`).set('Authorization', auth).type(form).send(JSON.stringify(cs)),
      inEnglish(app).post('/fhir').set('Authorization', auth).type(form)
        .send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } }] })),
      inEnglish(app).post('/fhir').type(form).send('resourceType=Bundle&type=batch'),
    ];
    for (const res of await Promise.all(sent)) {
      expect(res.status).toBe(415);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'not-supported', details: { text: `Content-Type '${form}' is not supported; send application/fhir+json` } });
    }
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });
});

describe("an update's body id (R4 update: the id in the body SHALL match the URL's)", () => {
  it('missing, another id or not a string: 400 at CodeSystem.id saying which, and nothing written', async () => {
    const cs = catalog('id-i-kroppen');
    const cases: [unknown, string][] = [
      [undefined, `The CodeSystem must carry its id ('${cs.id}') for an update`],
      ['et-andet-id', `The body's id 'et-andet-id' differs from the id '${cs.id}' in the URL`],
      [[cs.id], `The body's id must be a string (an R4 id), not ["${cs.id}"]`],
      [42, "The body's id must be a string (an R4 id), not 42"],
    ];
    for (const [id, text] of cases) {
      const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set("Authorization", auth).type(JSON_TYPE).send({ ...cs, id }).expect(400);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'invalid', expression: ['CodeSystem.id'], details: { text } });
    }
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });
});

/**
 * R4's conditional create (http.html#ccreate): `If-None-Exist: [search]` on a POST, or `request.ifNoneExist` of a
 * transaction entry. The search matches nothing: created (201); one resource: nothing is written and that resource is
 * the answer (200); several: 412. A search the server cannot make is 400. Conditional update and delete (#cond-update,
 * #cdelete): `PUT [type]?[search]` updates the one resource found, or creates when none is; `DELETE [type]?[search]`
 * deletes the one found, or nothing.
 */
import type { AuditEvent, Bundle, CapabilityStatement, CodeSystem, ConceptMap, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken } from '../support/app';
import { FSIII } from '../support/catalogs';
import { sampleCatalog, tokenFor } from '../support/local';
import { clientBody, useRunningServer } from '../support/server';
import { Client } from 'fhir-kit-client';

const JSON_TYPE = 'application/fhir+json';

let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101', sub: 'eoj@101' }));
});

const create = (resource: CodeSystem | ConceptMap, ifNoneExist?: string, headers: Record<string, string> = {}) => {
  const req = request(app).post(`/fhir/${resource.resourceType}`).set({ Authorization: auth, ...headers }).type(JSON_TYPE);
  return (ifNoneExist === undefined ? req : req.set('If-None-Exist', ifNoneExist)).send({ ...resource, id: undefined });
};
const countOf = async (type: string, query: Record<string, string>) => ((await request(app).get(`/fhir/${type}`).query(query).expect(200)).body as Bundle).total;

describe('If-None-Exist on a create', () => {
  it('creates when the search matches nothing, and answers the resource it matches without writing when it matches one', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget-oprettet');
    const condition = `url=${encodeURIComponent(codeSystem.url!)}&version=${codeSystem.version}`;
    const created = await create(codeSystem, condition).expect(201);
    const id = (created.body as CodeSystem).id!;
    expect(created.headers.location).toMatch(new RegExp(`/fhir/CodeSystem/${id}/_history/1$`));

    const found = await create({ ...codeSystem, title: 'Ikke skrevet' }, condition).expect(200);
    expect(found.headers.etag).toBe('W/"1"');
    expect(found.headers['content-location']).toMatch(new RegExp(`/fhir/CodeSystem/${id}/_history/1$`));
    expect(found.body).toEqual(created.body);
    expect(await countOf('CodeSystem', { url: codeSystem.url! })).toBe(1);
    expect(((await request(app).get(`/fhir/CodeSystem/${id}/_history`).expect(200)).body as Bundle).total).toBe(1);

    // the same search with its `?`, or as Type?search, as clients write it
    for (const written of [`?${condition}`, `CodeSystem?${condition}`]) expect((await create(codeSystem, written).expect(200)).body.id).toBe(id);
  });

  it('says what it found with Prefer: return=OperationOutcome, in Danish and English, and the audit log records it', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget-fundet');
    const condition = `url=${codeSystem.url}`;
    const id = (await create(codeSystem, condition).expect(201)).body.id as string;
    const da = (await create(codeSystem, condition, { Prefer: 'return=OperationOutcome', 'Accept-Language': 'da' }).expect(200)).body as OperationOutcome;
    expect(da.issue[0]!.details?.text).toBe(`Ikke oprettet: CodeSystem/${id} (version 1) passer på If-None-Exist ${condition}; intet er skrevet`);
    const en = (await create(codeSystem, condition, { Prefer: 'return=OperationOutcome', 'Accept-Language': 'en' }).expect(200)).body as OperationOutcome;
    expect(en.issue[0]!.details?.text).toBe(`Not created: CodeSystem/${id} (version 1) matches If-None-Exist ${condition}; nothing was written`);
    const events = ((await request(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${id}`, _sort: 'date' }).set('Authorization', auth).expect(200)).body as Bundle)
      .entry!.map((e) => e.resource as AuditEvent);
    expect(events.map((e) => [e.action, e.outcome, e.outcomeDesc])).toEqual([
      ['C', '0', undefined],
      ['R', '0', `not created, found: CodeSystem/${id} (version 1, If-None-Exist ${condition})`],
      ['R', '0', `not created, found: CodeSystem/${id} (version 1, If-None-Exist ${condition})`],
    ]);
  });

  it('matches the published catalogs too: the catalog is the answer, with its ETag', async () => {
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin', sub: 'kl-admin' })}`;
    const res = await request(app).post('/fhir/CodeSystem').set({ Authorization: admin, 'If-None-Exist': `url=${FSIII}` }).type(JSON_TYPE)
      .send({ resourceType: 'CodeSystem', url: FSIII, status: 'active', content: 'complete' }).expect(200);
    const read = await request(app).get(`/fhir/CodeSystem/${res.body.id}`).expect(200);
    expect(res.body).toEqual(read.body);
    expect(res.headers.etag).toBe(read.headers.etag);
    expect(res.headers['content-location']).toMatch(new RegExp(`/fhir/CodeSystem/${res.body.id}$`));
  });

  it('is 412 when the search matches several resources, naming them, and writes nothing', async () => {
    const first = sampleCatalog('101', 'flere-a').codeSystem;
    const second = sampleCatalog('101', 'flere-b').codeSystem;
    await create(first).expect(201);
    await create(second).expect(201);
    const third = sampleCatalog('101', 'flere-c').codeSystem;
    const res = await create(third, 'url:below=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/flere-', { 'Accept-Language': 'en' }).expect(412);
    const issue = (res.body as OperationOutcome).issue[0]!;
    expect(issue).toMatchObject({ code: 'multiple-matches', expression: ['If-None-Exist'] });
    expect(issue.details?.text).toMatch(/matches 2 resources \(CodeSystem\/kommune-101-flere-a, CodeSystem\/kommune-101-flere-b\); a conditional create needs a search that matches one at most$/);
    expect(await countOf('CodeSystem', { url: third.url! })).toBe(0);
  });

  it.each([
    ['an unknown search parameter', 'colour=red', /^If-None-Exist 'colour=red' is not a search this server can make: Unknown search parameter 'colour' for CodeSystem$/],
    ['no search parameter', '', /^If-None-Exist '' is not a search this server can make: it names no search parameter$/],
    ['a lone ?', '?', /^If-None-Exist '\?' is not a search this server can make: it names no search parameter$/],
    ...['_count=1', '_sort=name', '_summary=count', '_elements=url', '_offset=1', '_total=accurate', '_format=xml', '_count=1&_sort=name'].map((only) => [
      `only result parameters (${only})`, only,
      new RegExp(`^If-None-Exist '${only}' is not a search this server can make: it names no search parameter, only result parameters \\(${only.replace(/=[^&]*/g, '').replace(/&/g, ', ')}\\), which select none$`),
    ] as [string, string, RegExp]),
  ])('is 400 for %s, and writes nothing', async (_what, condition, text) => {
    const { codeSystem } = sampleCatalog('101', 'uden-soegning');
    const res = await create(codeSystem, condition, { 'Accept-Language': 'en' }).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toMatch(text);
    expect(await countOf('CodeSystem', { url: codeSystem.url! })).toBe(0);
  });

  it('authorizes the body as a create: a municipality cannot get past its rights by a search that matches', async () => {
    const res = await request(app).post('/fhir/CodeSystem').set({ Authorization: auth, 'If-None-Exist': `url=${FSIII}` }).type(JSON_TYPE)
      .send({ resourceType: 'CodeSystem', url: FSIII, status: 'active', content: 'complete' }).expect(403);
    expect((res.body as OperationOutcome).issue[0]!.code).toBe('forbidden');
  });

  it('is refused on an update or a delete, which name their resource by id', async () => {
    const { codeSystem } = sampleCatalog('101', 'ikke-put');
    const res = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set({ Authorization: auth, 'If-None-Exist': `url=${codeSystem.url}`, 'Accept-Language': 'en' })
      .type(JSON_TYPE).send(codeSystem).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toBe('If-None-Exist is the condition of a create (POST [type]); an update or delete names its resource by id');
    await request(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(404);
  });

  it('is listed in the CapabilityStatement, with conditional update and delete', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    expect(cs.rest![0]!.resource!.filter((r) => r.conditionalCreate && r.conditionalUpdate && r.conditionalDelete === 'single').map((r) => r.type))
      .toEqual(['CodeSystem', 'ValueSet', 'ConceptMap']);
  });
});

describe('PUT [type]?[search] and DELETE [type]?[search]', () => {
  const conditionalPut = (resource: CodeSystem, search: string, headers: Record<string, string> = {}) =>
    request(app).put(`/fhir/CodeSystem?${search}`).set({ Authorization: auth, ...headers }).type(JSON_TYPE).send(resource);

  it('a PUT creates when its search finds nothing, then updates the one it finds (no version when unchanged), the body naming no id or its id', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget-opdateret');
    const search = `url=${encodeURIComponent(codeSystem.url!)}`;
    const created = await conditionalPut({ ...codeSystem, id: undefined }, search).expect(201);
    const id = (created.body as CodeSystem).id!;
    expect(id).toBe(codeSystem.id);
    const same = await conditionalPut({ ...codeSystem, id: undefined }, search).expect(200);
    expect(same.headers.etag).toBe('W/"1"');
    const updated = await conditionalPut({ ...codeSystem, title: 'Ændret' }, search).expect(200);
    expect(updated.headers.etag).toBe('W/"2"');
    expect((updated.body as CodeSystem).title).toBe('Ændret');
    expect(await countOf('CodeSystem', { url: codeSystem.url! })).toBe(1);
    // its If-Match holds against the resource found
    await conditionalPut({ ...codeSystem, title: 'Igen' }, search, { 'If-Match': 'W/"1"' }).expect(412);
    // the answer's format in the URL is no part of the search
    expect((await conditionalPut({ ...codeSystem, title: 'Ændret' }, `${search}&_format=json&_pretty=true`).expect(200)).text).toMatch(/^\{\n {2}"resourceType": "CodeSystem"/);
    await conditionalPut({ ...codeSystem, title: 'Ændret' }, '_format=json').expect(400);
  });

  it('a PUT whose body names another id than the one found is 400; a search that finds several is 412; nothing is written', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget-andet-id');
    await create(codeSystem).expect(201);
    const other = await conditionalPut({ ...codeSystem, id: 'noget-andet', title: 'X' }, `url=${codeSystem.url}`, { 'Accept-Language': 'en' }).expect(400);
    expect((other.body as OperationOutcome).issue[0]!.details?.text)
      .toBe(`The body's id 'noget-andet' is not that of CodeSystem/${codeSystem.id}, which the search 'url=${codeSystem.url}' found`);
    const several = await conditionalPut({ ...codeSystem, id: undefined, title: 'Y' }, 'url:below=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/', { 'Accept-Language': 'en' }).expect(412);
    expect((several.body as OperationOutcome).issue[0]).toMatchObject({ code: 'multiple-matches', details: { text: expect.stringMatching(/a conditional update needs a search that matches one at most$/) } });
    expect(((await request(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200)).body as CodeSystem).meta?.versionId).toBe('1');
  });

  it('a PUT or DELETE whose search names only result parameters is 400 (it would select every resource), in English and Danish; nothing is written', async () => {
    const { codeSystem } = sampleCatalog('101', 'kun-resultat');
    for (const only of ['_count=1', '_sort=name', '_summary=count', '_elements=url']) {
      const put = await conditionalPut({ ...codeSystem, id: undefined }, only, { 'Accept-Language': 'en' }).expect(400);
      expect((put.body as OperationOutcome).issue[0]!.details?.text)
        .toBe(`The search '${only}' is not a search this server can make: it names no search parameter, only result parameters (${only.split('=')[0]}), which select none`);
      const del = await request(app).delete(`/fhir/CodeSystem?${only}`).set({ Authorization: auth, 'Accept-Language': 'da' }).expect(400);
      expect((del.body as OperationOutcome).issue[0]!.details?.text)
        .toBe(`Søgningen '${only}' er ikke en søgning, serveren kan udføre: den nævner ingen søgeparameter, kun resultatparametre (${only.split('=')[0]}), som ikke udvælger nogen`);
    }
    expect(await countOf('CodeSystem', { url: codeSystem.url! })).toBe(0);
    expect(await countOf('CodeSystem', { _summary: 'count' })).toBeGreaterThan(1);
  });

  it('a DELETE deletes the one resource its search finds, and nothing when it finds none', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget-slettet');
    await create(codeSystem).expect(201);
    const search = `url=${codeSystem.url}&version=${codeSystem.version}`;
    const deleted = await request(app).delete(`/fhir/CodeSystem?${search}`).set({ Authorization: auth, 'Accept-Language': 'en' }).expect(200);
    expect((deleted.body as OperationOutcome).issue[0]!.details?.text).toBe(`Deleted CodeSystem/${codeSystem.id} (version 2)`);
    await request(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(410);
    const none = await request(app).delete(`/fhir/CodeSystem?${search}`).set({ Authorization: auth, 'Accept-Language': 'da' }).expect(200);
    expect((none.body as OperationOutcome).issue[0]!.details?.text).toBe(`Ingen CodeSystem passer på søgningen '${search}'; intet er slettet`);
    // a municipality's token does not delete what is not its own by a search either
    const other = sampleCatalog('147', 'betinget-fremmed').codeSystem;
    await request(app).put(`/fhir/CodeSystem/${other.id}`).set({ Authorization: `Bearer ${await tokenFor({ kommunekode: '147' })}` }).type(JSON_TYPE).send(other).expect(201);
    await request(app).delete(`/fhir/CodeSystem?url=${other.url}`).set({ Authorization: auth }).expect(403);
    await request(app).get(`/fhir/CodeSystem/${other.id}`).expect(200);
  });
  it('If-Match on a PUT or DELETE whose search finds nothing is 412 (there is no version to match), and nothing is written', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget-if-match-intet');
    const search = `url=${encodeURIComponent(codeSystem.url!)}`;
    for (const tag of ['W/"1"', '*']) {
      const put = await conditionalPut({ ...codeSystem, id: undefined }, search, { 'If-Match': tag, 'Accept-Language': 'en' }).expect(412);
      expect((put.body as OperationOutcome).issue[0]).toMatchObject({ code: 'conflict', details: { text: `No CodeSystem matches the search 'url=${codeSystem.url}', so If-Match ${tag} cannot match` } });
      const del = await request(app).delete(`/fhir/CodeSystem?${search}`).set({ Authorization: auth, 'If-Match': tag, 'Accept-Language': 'da' }).expect(412);
      expect((del.body as OperationOutcome).issue[0]!.details?.text).toBe(`Søgningen 'url=${codeSystem.url}' finder ingen CodeSystem, så If-Match ${tag} kan ikke passe: den kan være slettet i mellemtiden.`);
    }
    expect(await countOf('CodeSystem', { url: codeSystem.url! })).toBe(0);
    // as a transaction's entries too
    const tx = await request(app).post('/fhir').set({ Authorization: auth }).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: { ...codeSystem, id: undefined }, request: { method: 'PUT', url: `CodeSystem?${search}`, ifMatch: 'W/"1"' } },
    ] });
    expect(tx.status).toBe(412);
    expect(await countOf('CodeSystem', { url: codeSystem.url! })).toBe(0);
    // once it exists, the same If-Match holds against the one found
    await create(codeSystem).expect(201);
    await conditionalPut({ ...codeSystem, id: undefined, title: 'Ændret' }, search, { 'If-Match': 'W/"1"' }).expect(200);
  });
});

describe('request.ifNoneExist of a transaction entry', () => {
  it('an entry that matches is answered with the resource found, and references to its fullUrl name that resource', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101', 'transaktion-betinget');
    const csId = (await create(codeSystem).expect(201)).body.id as string;
    const fullUrl = 'urn:uuid:5b0c7f5e-7f0e-4a49-9d7b-2f3c0c1b6a11';
    const map = { ...conceptMap, id: undefined, group: conceptMap.group!.map((g) => ({ ...g, source: codeSystem.url })) };
    const bundle = (await request(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { fullUrl, resource: { ...codeSystem, id: undefined, title: 'Ikke skrevet' }, request: { method: 'POST', url: 'CodeSystem', ifNoneExist: `url=${codeSystem.url}` } },
        { resource: { ...map, extension: [{ url: 'http://example.org/fhir/StructureDefinition/source-catalog', valueReference: { reference: fullUrl } }] }, request: { method: 'POST', url: 'ConceptMap' } },
      ],
    }).expect(200)).body as Bundle;
    expect(bundle.entry!.map((e) => [e.response?.status, e.response?.location?.replace(/\/_history\/\d+$/, '')])).toEqual([
      ['200 OK', `CodeSystem/${csId}`], ['201 Created', expect.stringMatching(/^ConceptMap\//)],
    ]);
    const written = (await request(app).get(`/fhir/${bundle.entry![1]!.response!.location!.replace(/\/_history\/\d+$/, '')}`).expect(200)).body as ConceptMap;
    expect((written.extension?.[0] as { valueReference?: { reference?: string } }).valueReference?.reference).toBe(`CodeSystem/${csId}`);
    expect(((await request(app).get(`/fhir/CodeSystem/${csId}`).expect(200)).body as CodeSystem).title).toBe(codeSystem.title);
  });
});

describe('PUT and DELETE entries of a transaction naming their resource by a search', () => {
  const transaction = (entry: object[], headers: Record<string, string> = {}) =>
    request(app).post('/fhir').set({ Authorization: auth, ...headers }).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry });

  it('update the one found (or create), delete the one found (or nothing), and refuse the whole transaction for a search that finds several', async () => {
    const kept = sampleCatalog('101', 'transaktion-soeg-a').codeSystem;
    const gone = sampleCatalog('101', 'transaktion-soeg-b').codeSystem;
    const fresh = sampleCatalog('101', 'transaktion-soeg-c').codeSystem;
    await create(kept).expect(201);
    await create(gone).expect(201);
    const bundle = (await transaction([
      { resource: { ...kept, id: undefined, title: 'Opdateret' }, request: { method: 'PUT', url: `CodeSystem?url=${kept.url}` } },
      { request: { method: 'DELETE', url: `CodeSystem?url=${gone.url}` } },
      { resource: { ...fresh, id: undefined }, request: { method: 'PUT', url: `CodeSystem?url=${fresh.url}` } },
      { request: { method: 'DELETE', url: 'CodeSystem?url=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/findes-ikke' } },
    ]).expect(200)).body as Bundle;
    expect(bundle.entry!.map((e) => [e.response?.status, e.response?.location])).toEqual([
      ['200 OK', `CodeSystem/${kept.id}/_history/2`], ['200 OK', undefined], ['201 Created', `CodeSystem/${fresh.id}/_history/1`], ['200 OK', undefined],
    ]);
    await request(app).get(`/fhir/CodeSystem/${gone.id}`).expect(410);

    const refused = await transaction([
      { resource: { ...kept, id: undefined, title: 'Ikke skrevet' }, request: { method: 'PUT', url: `CodeSystem?url=${kept.url}` } },
      { request: { method: 'DELETE', url: 'CodeSystem?url:below=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/transaktion-soeg-' } },
    ], { 'Accept-Language': 'en' }).expect(412);
    expect((refused.body as OperationOutcome).issue[0]).toMatchObject({ code: 'multiple-matches', expression: ['Bundle.entry[1].request.url'] });
    expect(((await request(app).get(`/fhir/CodeSystem/${kept.id}`).expect(200)).body as CodeSystem).title).toBe('Opdateret');
  });
});

describe('a transaction that finds a resource by If-None-Exist and writes it', () => {
  const transaction = (entry: object[], headers: Record<string, string> = {}) =>
    request(app).post('/fhir').set({ Authorization: auth, ...headers }).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry });

  it('a create that finds the resource writes nothing, so a later entry may update it (R4 processes POSTs before PUTs)', async () => {
    const { codeSystem } = sampleCatalog('101', 'transaktion-sikr-og-opdater');
    await create(codeSystem).expect(201);
    const ensure = { resource: { ...codeSystem, id: undefined }, request: { method: 'POST', url: 'CodeSystem', ifNoneExist: `url=${codeSystem.url}` } };
    const bundle = (await transaction([
      ensure,
      ensure,
      { resource: { ...codeSystem, title: 'Opdateret' }, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
    ]).expect(200)).body as Bundle;
    expect(bundle.entry!.map((e) => [e.response?.status, e.response?.location])).toEqual([
      ['200 OK', `CodeSystem/${codeSystem.id}/_history/1`], ['200 OK', `CodeSystem/${codeSystem.id}/_history/1`], ['200 OK', `CodeSystem/${codeSystem.id}/_history/2`],
    ]);
    expect(((await request(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200)).body as CodeSystem).title).toBe('Opdateret');
  });

  it('finding a resource another entry deletes is refused whole: the answer would name a resource that is gone', async () => {
    const { codeSystem } = sampleCatalog('101', 'transaktion-sikr-og-slet');
    await create(codeSystem).expect(201);
    const ensure = { resource: { ...codeSystem, id: undefined }, request: { method: 'POST', url: 'CodeSystem', ifNoneExist: `url=${codeSystem.url}` } };
    const remove = { request: { method: 'DELETE', url: `CodeSystem/${codeSystem.id}` } };
    for (const entry of [[ensure, remove], [remove, ensure]]) {
      const refused = await transaction(entry).expect(400);
      expect((refused.body as OperationOutcome).issue[0]!.expression).toEqual(['Bundle.entry[1].request.url']);
    }
    await request(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200);
  });

  it('two conditional deletes that find nothing are no clash', async () => {
    const bundle = (await transaction([
      { request: { method: 'DELETE', url: 'CodeSystem?url=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/findes-ikke-a' } },
      { request: { method: 'DELETE', url: 'CodeSystem?url=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/findes-ikke-b' } },
    ]).expect(200)).body as Bundle;
    expect(bundle.entry!.map((e) => e.response?.status)).toEqual(['200 OK', '200 OK']);
  });
});

describe('through a FHIR client', () => {
  const server = useRunningServer();

  it('a create sent twice with If-None-Exist makes one resource', async () => {
    const client = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: auth } });
    const { codeSystem } = sampleCatalog('101', 'klient-betinget');
    const options = { headers: { 'If-None-Exist': `url=${codeSystem.url}` } };
    const first = (await client.create({ resourceType: 'CodeSystem', body: clientBody({ ...codeSystem, id: undefined }), options })) as unknown as CodeSystem;
    const second = (await client.create({ resourceType: 'CodeSystem', body: clientBody({ ...codeSystem, id: undefined }), options })) as unknown as CodeSystem;
    expect(second).toEqual(first);
    const found = (await client.search({ resourceType: 'CodeSystem', searchParams: { url: codeSystem.url! } })) as unknown as Bundle;
    expect(found.total).toBe(1);
  });
});

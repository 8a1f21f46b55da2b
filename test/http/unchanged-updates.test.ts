/**
 * An update to the content a resource has already (as HAPI FHIR does by default): no new version, answered 200 with
 * the current one. A nightly re-sync of unchanged catalogs, or a PUT sent again after an unknown outcome, leaves the
 * history and the catalogs' cached answers as they were; the audit log still records who sent it.
 */
import type { AuditEvent, Bundle, CodeSystem, ConceptMap, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken } from '../support/app';
import { sampleCatalog } from '../support/local';
import { clientBody, useRunningServer } from '../support/server';
import { keysReversed } from '../support/keys-reversed';
import { Client } from 'fhir-kit-client';

const JSON_TYPE = 'application/fhir+json';

let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101', sub: 'sync@101' }));
});

const put = (resource: CodeSystem | ConceptMap, headers: Record<string, string> = {}) =>
  request(app).put(`/fhir/${resource.resourceType}/${resource.id}`).set({ Authorization: auth, ...headers }).type(JSON_TYPE).send(resource);
const historyOf = async (type: string, id: string) =>
  ((await request(app).get(`/fhir/${type}/${id}/_history`).expect(200)).body as Bundle).entry!.map((e) => (e.resource as CodeSystem).meta?.versionId);

describe('an update to the content the resource has', () => {
  it('makes no version: 200 with the current version, its ETag and Content-Location, whatever the key order and meta sent', async () => {
    const { codeSystem } = sampleCatalog('101', 'gensendt');
    const created = await put(codeSystem).expect(201);
    expect(created.headers.etag).toBe('W/"1"');
    const generation = app.registry.generation;

    const again = await put(keysReversed({ ...codeSystem, meta: { versionId: '7', lastUpdated: '2020-01-01T00:00:00Z' } }) as CodeSystem).expect(200);
    expect(again.headers.etag).toBe('W/"1"');
    expect(again.headers['content-location']).toMatch(new RegExp(`/fhir/CodeSystem/${codeSystem.id}/_history/1$`));
    expect(again.headers['last-modified']).toBe(created.headers['last-modified']);
    expect(again.body).toEqual(created.body);
    expect(await historyOf('CodeSystem', codeSystem.id!)).toEqual(['1']);
    // nothing the catalogs' answers were computed from changed
    expect(app.registry.generation).toBe(generation);

    // one element changed: a version
    const changed = await put({ ...codeSystem, title: 'Gensendt, ændret' }).expect(200);
    expect(changed.headers.etag).toBe('W/"2"');
    expect(await historyOf('CodeSystem', codeSystem.id!)).toEqual(['2', '1']);
    expect(app.registry.generation).toBeGreaterThan(generation);
  });

  it('says so with Prefer: return=OperationOutcome, in Danish and English, and the audit log records it as a success that made no version', async () => {
    const { codeSystem } = sampleCatalog('101', 'uaendret');
    await put(codeSystem).expect(201);
    const outcome = (await put(codeSystem, { Prefer: 'return=OperationOutcome', 'Accept-Language': 'da' }).expect(200)).body as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ severity: 'information', code: 'informational' });
    expect(outcome.issue[0]!.details?.text).toBe(`Uændret: CodeSystem/${codeSystem.id} har allerede dette indhold i version 1; der er ikke lavet en ny version`);
    const english = (await put(codeSystem, { Prefer: 'return=OperationOutcome', 'Accept-Language': 'en' }).expect(200)).body as OperationOutcome;
    expect(english.issue[0]!.details?.text).toBe(`Unchanged: CodeSystem/${codeSystem.id} has this content at version 1 already; no new version was made`);

    const events = ((await request(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${codeSystem.id}`, _sort: 'date' }).set('Authorization', auth).expect(200)).body as Bundle)
      .entry!.map((e) => e.resource as AuditEvent);
    expect(events.map((e) => [e.action, e.outcome, e.outcomeDesc, e.entity?.[0]?.what?.reference])).toEqual([
      ['C', '0', undefined, `CodeSystem/${codeSystem.id}/_history/1`],
      ['U', '0', `unchanged, no new version: CodeSystem/${codeSystem.id} (version 1)`, `CodeSystem/${codeSystem.id}/_history/1`],
      ['U', '0', `unchanged, no new version: CodeSystem/${codeSystem.id} (version 1)`, `CodeSystem/${codeSystem.id}/_history/1`],
    ]);
    expect(events[1]!.agent[0]?.who?.identifier?.value).toBe('sync@101');
  });

  it('is checked against its conditions first: a stale If-Match is 412 even for the same content', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget');
    await put(codeSystem).expect(201);
    await put({ ...codeSystem, title: 'to' }).expect(200);
    await put({ ...codeSystem, title: 'to' }, { 'If-Match': 'W/"1"' }).expect(412);
    const same = await put({ ...codeSystem, title: 'to' }, { 'If-Match': 'W/"2"' }).expect(200);
    expect(same.headers.etag).toBe('W/"2"');
    expect(await historyOf('CodeSystem', codeSystem.id!)).toEqual(['2', '1']);
  });

  it('in a transaction: the unchanged entry answers its current version, the changed one its new version, and one event names both', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101', 'transaktion');
    const entry = (resource: CodeSystem | ConceptMap) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
    await request(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [entry(codeSystem), entry(conceptMap)] }).expect(200);
    const response = (await request(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [entry(codeSystem), entry({ ...conceptMap, title: 'Ny titel' })] }).expect(200)).body as Bundle;
    expect(response.entry!.map((e) => [e.response?.status, e.response?.etag])).toEqual([['200 OK', 'W/"1"'], ['200 OK', 'W/"2"']]);
    expect(await historyOf('CodeSystem', codeSystem.id!)).toEqual(['1']);
    expect(await historyOf('ConceptMap', conceptMap.id!)).toEqual(['2', '1']);
    const [event] = ((await request(app).get('/fhir/AuditEvent').query({ entity: `ConceptMap/${conceptMap.id}`, _sort: '-date', _count: '1' }).set('Authorization', auth).expect(200)).body as Bundle)
      .entry!.map((e) => e.resource as AuditEvent);
    expect(event!.entity!.map((e) => e.what?.reference)).toEqual([`CodeSystem/${codeSystem.id}/_history/1`, `ConceptMap/${conceptMap.id}/_history/2`]);
    expect(event!.outcomeDesc).toBe(`unchanged, no new version: CodeSystem/${codeSystem.id} (version 1)`);
  });
});

describe('through a FHIR client', () => {
  const server = useRunningServer();

  it('an update sent twice gives the same version both times', async () => {
    const client = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: auth } });
    const { codeSystem } = sampleCatalog('101', 'klient');
    const first = (await client.update({ resourceType: 'CodeSystem', id: codeSystem.id!, body: clientBody(codeSystem) })) as unknown as CodeSystem;
    const second = (await client.update({ resourceType: 'CodeSystem', id: codeSystem.id!, body: clientBody(codeSystem) })) as unknown as CodeSystem;
    expect([first.meta?.versionId, second.meta?.versionId]).toEqual(['1', '1']);
    expect(second).toEqual(first);
  });
});

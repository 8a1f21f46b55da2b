/**
 * A history entry records the interaction that made its version, as R4's http.html#history says (entry.request: "the
 * operation that created this version"): the method and url the client sent, and the status it was answered with.
 * A version is named by its id as the server wrote it: another spelling of the number is no version (404).
 */
import type { Bundle, CodeSystem } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { TerminologyStore } from '../../src/store/store';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';
import { temporaryFolders } from '../support/temporary-folders';

const JSON_TYPE = 'application/fhir+json';
const freshDir = temporaryFolders('faelles-tx-history-');

const codeSystem = (id: string | undefined, title?: string, name = id): CodeSystem => ({
  resourceType: 'CodeSystem', ...(id ? { id } : {}), url: `http://example.org/fhir/CodeSystem/history-${name}`, version: '1', status: 'active',
  content: 'complete', ...(title ? { title } : {}), concept: [{ code: 'a', display: 'A' }],
});

describe.each<[string, () => TerminologyStore]>([
  ['memory', () => new MemoryStore()],
  ['SQLite', () => SqliteStore.open(freshDir())],
])('with the %s store', (_name, makeStore) => {
  let app: App;
  let store: TerminologyStore;
  let admin: string;

  beforeAll(async () => {
    store = makeStore();
    app = await testApp({}, { store });
    admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
  });
  afterAll(async () => {
    await store.close();
  });

  const write = (method: 'put' | 'post' | 'delete', path: string, body?: CodeSystem) =>
    request(app)[method](`/fhir/${path}`).set('Authorization', admin).type(JSON_TYPE).send(body);
  const historyOf = async (path: string) =>
    ((await request(app).get(`/fhir/${path}/_history`).expect(200)).body as Bundle).entry!.map((e) => [e.request?.method, e.request?.url, e.response?.status]);

  it('PUT to a new id, PUT again, DELETE (answered 200), PUT again: each entry says so, newest first', async () => {
    await write('put', 'CodeSystem/h-put', codeSystem('h-put')).expect(201);
    await write('put', 'CodeSystem/h-put', codeSystem('h-put', 'two')).expect(200);
    await write('delete', 'CodeSystem/h-put').expect(200);
    await write('put', 'CodeSystem/h-put', codeSystem('h-put', 'again')).expect(201);
    expect(await historyOf('CodeSystem/h-put')).toEqual([
      ['PUT', 'CodeSystem/h-put', '201 Created'],
      ['DELETE', 'CodeSystem/h-put', '200 OK'],
      ['PUT', 'CodeSystem/h-put', '200 OK'],
      ['PUT', 'CodeSystem/h-put', '201 Created'],
    ]);
  });

  it('a POST is POST to the type; the history of the type and of the server say the same', async () => {
    const created = await write('post', 'CodeSystem', codeSystem(undefined, undefined, 'posted')).expect(201);
    const id = (created.body as CodeSystem).id!;
    expect(await historyOf(`CodeSystem/${id}`)).toEqual([['POST', 'CodeSystem', '201 Created']]);
    const all = ((await request(app).get('/fhir/CodeSystem/_history').expect(200)).body as Bundle).entry!;
    const ofPut = all.filter((e) => e.fullUrl?.endsWith('/CodeSystem/h-put')).map((e) => [e.request?.method, e.request?.url, e.response?.status]);
    expect(ofPut).toEqual(await historyOf('CodeSystem/h-put'));
  });

  it('in a transaction, each entry as its request was', async () => {
    const bundle = {
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: codeSystem('h-tx'), request: { method: 'PUT', url: 'CodeSystem/h-tx' } },
        { resource: codeSystem(undefined, undefined, 'posted-in-transaction'), request: { method: 'POST', url: 'CodeSystem' } },
      ],
    };
    const answer = (await request(app).post('/fhir').set('Authorization', admin).type(JSON_TYPE).send(bundle).expect(200)).body as Bundle;
    const postedId = answer.entry![1]!.response!.location!.split('/')[1]!;
    expect(await historyOf('CodeSystem/h-tx')).toEqual([['PUT', 'CodeSystem/h-tx', '201 Created']]);
    expect(await historyOf(`CodeSystem/${postedId}`)).toEqual([['POST', 'CodeSystem', '201 Created']]);
  });

  it('a version id is the one written: 01, 001 or +1 is no version (404), as 9 is', async () => {
    await write('put', 'CodeSystem/h-vid', codeSystem('h-vid')).expect(201);
    await request(app).get('/fhir/CodeSystem/h-vid/_history/1').expect(200);
    for (const vid of ['01', '001', '%2B1', '9', '0']) await request(app).get(`/fhir/CodeSystem/h-vid/_history/${vid}`).expect(404);
  });
});

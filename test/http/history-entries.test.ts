/**
 * A version is named by its id as the server wrote it: another spelling of the number is no version (404).
 */
import type { CodeSystem } from 'fhir/r4';
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

const codeSystem = (id?: string, title?: string): CodeSystem => ({
  resourceType: 'CodeSystem', ...(id ? { id } : {}), url: `http://example.org/fhir/CodeSystem/history-${id ?? 'posted'}`, version: '1', status: 'active',
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

  it('a version id is the one written: 01, 001 or +1 is no version (404), as 9 is', async () => {
    await write('put', 'CodeSystem/h-vid', codeSystem('h-vid')).expect(201);
    await request(app).get('/fhir/CodeSystem/h-vid/_history/1').expect(200);
    for (const vid of ['01', '001', '%2B1', '9', '0']) await request(app).get(`/fhir/CodeSystem/h-vid/_history/${vid}`).expect(404);
  });
});

import type { OperationOutcome } from 'fhir/r4';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';
import { serveOverHttp } from '../support/server';
import { rawExchange } from '../support/socket';

let app: App;
let token: string;
beforeAll(async () => {
  app = await testApp();
  token = await tokenFor({ kommunekode: '101' });
});

const NOT_JSON = '{"resourceType": "CodeSystem", ';

describe('a write\'s token is checked before its body is read', () => {
  it('answers an anonymous create, update or delete 401 without reading the body (a body that is not JSON is not even seen)', async () => {
    for (const [method, path] of [['post', '/fhir/CodeSystem'], ['put', '/fhir/CodeSystem/kommune-101-x'], ['put', '/fhir/ConceptMap/kommune-101-x/'], ['delete', '/fhir/ValueSet/kommune-101-x']] as const) {
      const res = await inEnglish(app)[method](path).type('application/fhir+json').send(NOT_JSON);
      expect(res.status).toBe(401);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'login' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      // the body was left unread: the connection is not kept for a next request
      expect(res.headers.connection).toBe('close');
    }
  });

  it('answers an anonymous call of an operation that writes (import, package load and unload) 401 the same way, before its body', async () => {
    for (const [path, type] of [['/fhir/CodeSystem/$import-local', 'application/fhir+json'], ['/fhir/$load-package', 'application/gzip'], ['/fhir/$unload-package', 'application/fhir+json']]) {
      const res = await inEnglish(app).post(path).type(type).send(NOT_JSON);
      expect([path, res.status, (res.body as OperationOutcome).issue[0]?.code, res.headers.connection]).toEqual([path, 401, 'login', 'close']);
    }
    // a declared body of 5 MB of which nothing more comes: answered at once, not after the request's timeout
    const server = await serveOverHttp(app);
    try {
      const answer = await rawExchange(server.port, 'POST /fhir/$load-package HTTP/1.1\r\nHost: x\r\nContent-Type: application/gzip\r\nContent-Length: 5000000\r\n\r\n', 'x');
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    } finally {
      await server.close();
    }
    // with a token, the body is read, and the operation checks what the token may do (a municipality's may not load)
    const res = await inEnglish(app).post('/fhir/$load-package').set('Authorization', `Bearer ${token}`).type('application/gzip').send(Buffer.from('x'));
    expect(res.status).toBe(403);
  });

  it('reads the body of a write with a valid token (the JSON error is then what is wrong)', async () => {
    const res = await inEnglish(app).put('/fhir/CodeSystem/kommune-101-x').set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(NOT_JSON).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toMatch(/not valid JSON/);
  });

  it('leaves requests that need no token alone: searches POSTed to _search and operations', async () => {
    await inEnglish(app).post('/fhir/CodeSystem/_search').type('application/x-www-form-urlencoded').send('_summary=count').expect(200);
    await inEnglish(app).post('/fhir/CodeSystem/$lookup').type('application/fhir+json').send(NOT_JSON).expect(400);
  });
});

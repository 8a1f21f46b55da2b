import type { OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';

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
      const res = await request(app)[method](path).type('application/fhir+json').send(NOT_JSON);
      expect(res.status).toBe(401);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'login' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      // the body was left unread: the connection is not kept for a next request
      expect(res.headers.connection).toBe('close');
    }
  });

  it('reads the body of a write with a valid token (the JSON error is then what is wrong)', async () => {
    const res = await request(app).put('/fhir/CodeSystem/kommune-101-x').set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(NOT_JSON).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toMatch(/not valid JSON/);
  });

  it('leaves requests that need no token alone: searches POSTed to _search and operations', async () => {
    await request(app).post('/fhir/CodeSystem/_search').type('application/x-www-form-urlencoded').send('_summary=count').expect(200);
    await request(app).post('/fhir/CodeSystem/$lookup').type('application/fhir+json').send(NOT_JSON).expect(400);
  });
});

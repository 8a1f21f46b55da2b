import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';

let app: App;
let token: string;

beforeAll(async () => {
  app = await testApp();
  token = await tokenFor({ kommunekode: '101' });
});

function send(method: string, path: string) {
  const req = request(app)[method.toLowerCase() as 'get'](path).set('Authorization', `Bearer ${token}`);
  return method === 'GET' || method === 'HEAD' || method === 'DELETE' ? req : req.type(JSON_TYPE).send({ resourceType: 'CodeSystem' });
}

describe('a method a resource path does not take', () => {
  const CASES = [
    // [method, path, the Allow header]
    ['POST', '/fhir/CodeSystem/no-such-id', 'GET, HEAD, PUT, DELETE'],
    ['PATCH', '/fhir/ConceptMap/no-such-id', 'GET, HEAD, PUT, DELETE'],
    // a published catalog resource is read-only (the writer refuses its update and delete)
    ['POST', '/fhir/ValueSet/indsatskatalog-119', 'GET, HEAD'],
    ['PATCH', '/fhir/ValueSet/indsatskatalog-119', 'GET, HEAD'],
    ['PUT', '/fhir/ConceptMap', 'GET, HEAD, POST'],
    ['DELETE', '/fhir/CodeSystem', 'GET, HEAD, POST'],
    ['PATCH', '/fhir/ValueSet', 'GET, HEAD, POST'],
  ] as const;

  it.each(CASES)('%s %s is 405 with an Allow header naming the methods the path takes (RFC 9110 §15.5.6)', async (method, path, allow) => {
    const res = await send(method, path);
    expect([res.status, res.headers.allow, res.body.issue?.[0]?.code]).toEqual([405, allow, 'not-supported']);
  });

  it.each(CASES)('every method the Allow header of %s %s names is taken by the path (not 405)', async (_method, path, allow) => {
    for (const method of allow.split(', ')) {
      const res = await send(method, path);
      expect([method, path, res.status]).not.toEqual([method, path, 405]);
    }
  });
});

import { inEnglish } from '../support/english';
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
  const req = inEnglish(app)[method.toLowerCase() as 'get'](path).set('Authorization', `Bearer ${token}`);
  return method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS' ? req : req.type(JSON_TYPE).send({ resourceType: 'CodeSystem' });
}

describe('a method a resource path does not take', () => {
  const CASES = [
    // [method, path, the Allow header]
    ['POST', '/fhir/CodeSystem/no-such-id', 'GET, HEAD, PUT, DELETE'],
    ['PATCH', '/fhir/ConceptMap/no-such-id', 'GET, HEAD, PUT, DELETE'],
    // a published catalog resource is read-only (the writer refuses its update and delete)
    ['POST', '/fhir/ValueSet/indsatskatalog-119', 'GET, HEAD'],
    ['PATCH', '/fhir/ValueSet/indsatskatalog-119', 'GET, HEAD'],
    // PUT and DELETE of a type are conditional update and delete (conditional-writes.test.ts)
    ['PATCH', '/fhir/ValueSet', 'GET, HEAD, POST, PUT, DELETE'],
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

describe('the writer\'s refusal to change a published catalog resource', () => {
  it('is 405 with Allow: GET, HEAD for a PUT or DELETE of it (an admin token: authorization is not what refuses it)', async () => {
    const admin = await tokenFor({ scope: 'admin' });
    const put = await inEnglish(app).put('/fhir/CodeSystem/FSIII').set('Authorization', `Bearer ${admin}`).type(JSON_TYPE)
      .send({ resourceType: 'CodeSystem', id: 'FSIII', url: 'urn:oid:1.2.208.176.2.21', status: 'active', content: 'complete' });
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, HEAD']);
    const del = await inEnglish(app).delete('/fhir/CodeSystem/FSIII').set('Authorization', `Bearer ${admin}`);
    expect([del.status, del.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('names no Allow when it is an entry of a transaction: the transaction\'s URL takes POST', async () => {
    const admin = await tokenFor({ scope: 'admin' });
    const res = await inEnglish(app).post('/fhir').set('Authorization', `Bearer ${admin}`).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'CodeSystem/FSIII' } }],
    });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBeUndefined();
  });
});

describe('OPTIONS of a FHIR path', () => {
  // [path, the methods it takes]; a path where some method is 405 names the same Allow
  const PATHS = [
    ['/fhir/CodeSystem', 'GET, HEAD, POST, PUT, DELETE'],
    ['/fhir/CodeSystem/kommune-101-lokale-indsatser', 'GET, HEAD, PUT, DELETE'],
    ['/fhir/ValueSet/indsatskatalog-119', 'GET, HEAD'],
    ['/fhir/CodeSystem/$lookup', 'GET, HEAD, POST'],
    ['/fhir/CodeSystem/FSIII/$lookup', 'GET, HEAD, POST'],
    ['/fhir/CodeSystem/$import-local', 'POST'],
    ['/fhir/$package', 'GET, HEAD, POST'],
    ['/fhir/$load-package', 'POST'],
    ['/fhir/CodeSystem/_search', 'GET, HEAD, POST'],
    ['/fhir/CodeSystem/_history', 'GET, HEAD'],
    ['/fhir/StructureDefinition', 'GET, HEAD'],
    ['/fhir/metadata', 'GET, HEAD'],
    ['/fhir', 'POST'],
  ] as const;

  it.each(PATHS)('OPTIONS %s is 204 with Allow: %s and no body, the Allow of a 405 on the path', async (path, allow) => {
    const res = await inEnglish(app).options(path);
    expect([res.status, res.headers.allow, res.text]).toEqual([204, allow, '']);
    const patch = await inEnglish(app).patch(path).set('Authorization', `Bearer ${token}`);
    expect([patch.status, patch.headers.allow]).toEqual([405, allow]);
  });

  it.each([
    ['/fhir/ConceptMap/kommune-370-lokale-indsatser/$coverage', 400, 'not supported at instance level'],
    ['/fhir/ConceptMap/kommune-370-lokale-indsatser/$closure', 400, 'not supported at instance level'],
    ['/fhir/CodeSystem/kommune-101-lokale-indsatser/$import-local', 400, 'not supported at instance level'],
    ['/fhir/CodeSystem/$no-such-operation', 404, 'not supported on CodeSystem'],
  ] as const)('an operation path where the operation is not taken (%s) names no method: every method, OPTIONS too, is %s with why', async (path, status, why) => {
    for (const method of ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await send(method, path);
      expect([method, res.status, res.headers.allow]).toEqual([method, status, undefined]);
      if (method !== 'HEAD') expect([method, res.body.issue?.[0]?.details?.text]).toEqual([method, expect.stringContaining(why)]);
    }
  });

  it.each(['/fhir/CodeSystem/_history', '/fhir/ValueSet/_search'])('PUT and DELETE of %s, which is no resource, are 405 with its Allow, with a token or without', async (path) => {
    const allow = (await inEnglish(app).options(path)).headers.allow;
    for (const method of ['PUT', 'DELETE'] as const) {
      for (const auth of [{}, { Authorization: `Bearer ${token}` }]) {
        const res = await inEnglish(app)[method === 'PUT' ? 'put' : 'delete'](path).set(auth).set('Content-Type', 'application/fhir+json').send('{}');
        expect([method, res.status, res.headers.allow]).toEqual([method, 405, allow]);
      }
    }
  });

  it('OPTIONS of a path no route answers is 404, as its other methods are', async () => {
    const res = await inEnglish(app).options('/fhir/Patient');
    expect([res.status, res.body.issue?.[0]?.code]).toEqual([404, 'not-found']);
  });
});

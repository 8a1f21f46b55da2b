import type { OperationDefinition, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';

/**
 * A parameter an operation requires (min 1 in its OperationDefinition) that a call does not give is 400 with R4's
 * IssueType `required`, naming it, for every such operation from the one list its OperationDefinition is made from.
 */
let app: App;
let admin: string;
beforeAll(async () => {
  app = await testApp();
  admin = await tokenFor({ scope: 'openid admin', sub: 'kl-terminologi' });
});

const post = (path: string, language = 'en') => request(app).post(`/fhir/${path}`).set('Authorization', `Bearer ${admin}`)
  .set('Accept-Language', language).type('application/fhir+json').send({ resourceType: 'Parameters' });

describe('a required parameter not given', () => {
  it.each([
    ['$closure', 'ConceptMap-closure', ['name'], "$closure needs the parameter 'name'"],
    ['$cache-control', 'Resource-cache-control', ['mode'], "$cache-control needs the parameter 'mode'"],
    ['$unload-package', 'Resource-unload-package', ['name', 'version'], "$unload-package needs the parameters 'name' and 'version'"],
    ['$load-package', 'Resource-load-package', ['package'], "$load-package needs a request body (or the parameter 'package' in a Parameters body)"],
  ])('%s is 400 required naming the parameters its OperationDefinition (%s) gives min 1', async (path, id, names, text) => {
    const res = await post(path).expect(400);
    expect((res.body as OperationOutcome).issue).toEqual([expect.objectContaining({ severity: 'error', code: 'required', expression: names, details: { text } })]);
    const definition = (await request(app).get(`/fhir/OperationDefinition/${id}`).expect(200)).body as OperationDefinition;
    expect(definition.parameter!.filter((p) => p.use === 'in' && p.min === 1).map((p) => p.name)).toEqual(names);
  });

  it('in Danish to a caller who asks for it', async () => {
    const closure = await post('$closure', 'da').expect(400);
    expect((closure.body as OperationOutcome).issue[0]!.details!.text).toBe("$closure kræver parameteren 'name'");
    const unload = await post('$unload-package', 'da').expect(400);
    expect((unload.body as OperationOutcome).issue[0]!.details!.text).toBe("$unload-package kræver parametrene 'name' og 'version'");
  });

  it('one of two given names the other', async () => {
    const res = await request(app).post('/fhir/$unload-package').set('Authorization', `Bearer ${admin}`).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.a' }] }).expect(400);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'required', expression: ['version'] });
  });
});

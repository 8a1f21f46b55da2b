import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

describe('the FHIR endpoint', () => {
  it('serves a CapabilityStatement that instantiates the terminology server capability', async () => {
    const res = await request(app).get('/fhir/metadata').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body.resourceType).toBe('CapabilityStatement');
    expect(res.body.instantiates).toContain('http://hl7.org/fhir/CapabilityStatement/terminology-server');
  });

  it('looks up an FSIII code', async () => {
    const res = await request(app)
      .get('/fhir/CodeSystem/$lookup')
      .query({ system: FSIII, code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' })
      .expect(200);
    const display = res.body.parameter.find((p: { name: string }) => p.name === 'display');
    expect(display.valueString).toBe('Afklarende samtale');
  });

  it('answers an unknown route with a 404 OperationOutcome', async () => {
    const res = await request(app).get('/fhir/Patient/1').expect(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('not-found');
  });
});

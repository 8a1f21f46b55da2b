import type { CodeSystem, Parameters, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { param, params, parametersOf, part } from '../support/parameters';

/**
 * A supplement's `supplements` and a request's `useSupplement` name versions by the server's one version rule
 * (terminology/versions.ts), as `url|version` does everywhere else: `1.0` names `1.0.2`, `1.x` any 1.x, `1.1` not 1.0.2.
 */
const JSON_TYPE = 'application/fhir+json';
const CS = 'http://example.org/fhir/CodeSystem/colours';
const SUPPLEMENT = 'http://example.org/fhir/CodeSystem/colours-de';

const colours: CodeSystem = {
  resourceType: 'CodeSystem', url: CS, version: '1.0.2', status: 'active', content: 'complete',
  concept: [{ code: 'red', display: 'Red' }, { code: 'blue', display: 'Blue' }],
};

function germanFor(target: string): CodeSystem {
  return {
    resourceType: 'CodeSystem', url: SUPPLEMENT, version: '2.0.1', status: 'active', content: 'supplement', supplements: target,
    concept: [{ code: 'red', designation: [{ language: 'de', value: 'Rot' }] }],
  };
}

let app: App;
beforeAll(async () => {
  app = await testApp();
});

async function operation(path: string, supplement: CodeSystem, ...parameter: unknown[]): Promise<request.Response> {
  return request(app).post(`/fhir/${path}`).type(JSON_TYPE).set('Accept-Language', 'en')
    .send(parametersOf({ name: 'tx-resource', resource: colours }, { name: 'tx-resource', resource: supplement }, ...parameter));
}

/** The designations $lookup gives for `red`, as language:value. */
async function designations(supplement: CodeSystem, useSupplement: string): Promise<string[]> {
  const res = await operation('CodeSystem/$lookup', supplement, { name: 'system', valueUri: CS }, { name: 'code', valueCode: 'red' },
    { name: 'useSupplement', valueCanonical: useSupplement });
  expect(res.status).toBe(200);
  return params(res.body as Parameters, 'designation').map((d) => `${part(d, 'language')?.valueCode}:${part(d, 'value')?.valueString}`);
}

describe('a supplement applies to the versions its `supplements` names by the one rule', () => {
  it.each([`${CS}|1.0`, `${CS}|1.x`, `${CS}|1.0.2`, CS])('supplements %s: applies to 1.0.2', async (target) => {
    expect(await designations(germanFor(target), SUPPLEMENT)).toContain('de:Rot');
  });

  it.each([`${CS}|1.1`, `${CS}|1.0.20`, `${CS}|2.x`])('supplements %s: does not apply to 1.0.2, and asking for it is refused', async (target) => {
    const res = await operation('CodeSystem/$lookup', germanFor(target), { name: 'system', valueUri: CS }, { name: 'code', valueCode: 'red' },
      { name: 'useSupplement', valueCanonical: SUPPLEMENT });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('useSupplement names the supplement by the one rule', () => {
  const supplement = germanFor(`${CS}|1.0.2`);

  it('in $lookup: 2.0 and 2.x name 2.0.1, 2.1 does not', async () => {
    expect(await designations(supplement, `${SUPPLEMENT}|2.0`)).toContain('de:Rot');
    expect(await designations(supplement, `${SUPPLEMENT}|2.x`)).toContain('de:Rot');
    const other = await operation('CodeSystem/$lookup', supplement, { name: 'system', valueUri: CS }, { name: 'code', valueCode: 'red' },
      { name: 'useSupplement', valueCanonical: `${SUPPLEMENT}|2.1` });
    expect(other.status).toBeGreaterThanOrEqual(400);
    expect(other.status).toBeLessThan(500);
  });

  it('in $expand: the supplement named by 2.0 is the one used, its designations in the expansion', async () => {
    const valueSet: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CS }] } };
    const res = await operation('ValueSet/$expand', supplement, { name: 'valueSet', resource: valueSet },
      { name: 'useSupplement', valueCanonical: `${SUPPLEMENT}|2.0` }, { name: 'includeDesignations', valueBoolean: true });
    expect(res.status).toBe(200);
    const red = (res.body as ValueSet).expansion?.contains?.find((c) => c.code === 'red');
    expect(red?.designation?.map((d) => `${d.language}:${d.value}`)).toContain('de:Rot');
  });

  it('in $validate-code: the supplement named by 2.0 gives the German display', async () => {
    const res = await operation('CodeSystem/$validate-code', supplement, { name: 'url', valueUri: CS }, { name: 'code', valueCode: 'red' },
      { name: 'display', valueString: 'Rot' }, { name: 'displayLanguage', valueCode: 'de' }, { name: 'useSupplement', valueCanonical: `${SUPPLEMENT}|2.0` });
    expect(res.status).toBe(200);
    expect(param(res.body as Parameters, 'result')?.valueBoolean).toBe(true);
  });
});

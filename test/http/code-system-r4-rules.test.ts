/**
 * A code system R4 does not allow is not used, whether a request brings it (tx-resource, 400) or a token writes it
 * (422): a designation or a concept property without its value (R4 requires both), codes that are one code in a code
 * system that is not case sensitive (caseSensitive false: which of them 'Abc' is could not be told).
 */
import type { CodeSystem, OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken } from '../support/app';
import { parametersOf } from '../support/parameters';

const JSON_TYPE = 'application/fhir+json';
const URL = 'http://example.org/cs/rules';

/** The app, and an admin's Authorization header. */
let server: { app: App; auth: string };
beforeAll(async () => {
  server = await appWithToken({ scope: 'admin' });
});

const codeSystem = (more: Partial<CodeSystem>): CodeSystem => ({
  resourceType: 'CodeSystem', id: 'ex-rules', url: URL, status: 'active', content: 'complete', concept: [{ code: 'abc', display: 'A' }], ...more,
});
const validate = (cs: CodeSystem, code: string, language = 'en') => request(server.app).post('/fhir/CodeSystem/$validate-code').set('Accept-Language', language).type(JSON_TYPE)
  .send(parametersOf({ name: 'url', valueUri: URL }, { name: 'code', valueCode: code }, { name: 'tx-resource', resource: cs }));
const lookup = (cs: CodeSystem) => request(server.app).post('/fhir/CodeSystem/$lookup').type(JSON_TYPE)
  .send(parametersOf({ name: 'system', valueUri: URL }, { name: 'code', valueCode: 'abc' }, { name: 'tx-resource', resource: cs }));
const issue = (res: { body: unknown }) => (res.body as OperationOutcome).issue[0]!;

const twoCases = codeSystem({ caseSensitive: false, concept: [{ code: 'abc', display: 'Lower' }, { code: 'ABC', display: 'Upper' }] });

describe('a code system whose codes are one code when case is not told apart', () => {
  it('is refused as tx-resource (400, in Danish to a Danish caller) rather than one of its codes taken for Abc', async () => {
    const res = await validate(twoCases, 'Abc').expect(400);
    expect(issue(res)).toMatchObject({
      code: 'invalid', expression: ['CodeSystem.concept[1]'],
      details: { text: expect.stringContaining("the codes 'abc' and 'ABC' are one code defined twice (CodeSystem.concept[0] and CodeSystem.concept[1]) in a code system that is not case sensitive") },
    });
    const da = await validate(twoCases, 'Abc', 'da').expect(400);
    expect(issue(da).details?.text).toContain("koderne 'abc' og 'ABC' er én kode defineret to gange");
    // case sensitive, they are two codes
    await validate({ ...twoCases, caseSensitive: true }, 'abc').expect(200);
  });

  it('is not written (422 at the second code)', async () => {
    const res = await request(server.app).put('/fhir/CodeSystem/ex-rules').set('Authorization', server.auth).set('Accept-Language', 'da').type(JSON_TYPE).send(twoCases).expect(422);
    expect(issue(res)).toMatchObject({
      code: 'duplicate', expression: ['CodeSystem.concept[1].code'],
      details: { text: "Koden 'ABC' findes to gange: kodesystemet skelner ikke mellem store og små bogstaver (caseSensitive false), så den er koden 'abc' (i CodeSystem.concept[0])." },
    });
    await request(server.app).get('/fhir/CodeSystem/ex-rules').expect(404);
  });
});

describe('a designation or a concept property without its value', () => {
  it('is refused as tx-resource (400 naming it), not answered by $lookup as a part without a value', async () => {
    const noDesignationValue = codeSystem({ concept: [{ code: 'abc', display: 'A', designation: [{ language: 'de' } as never] }] });
    expect(issue(await lookup(noDesignationValue).expect(400))).toMatchObject({ code: 'invalid', expression: ['CodeSystem.concept[0].designation[0].value'] });
    const noPropertyValue = codeSystem({ property: [{ code: 'p', type: 'string' }], concept: [{ code: 'abc', display: 'A', property: [{ code: 'p' } as never] }] });
    expect(issue(await lookup(noPropertyValue).expect(400))).toMatchObject({ code: 'invalid', expression: ['CodeSystem.concept[0].property[0].value[x]'] });
    // in a value set's compose too (R4 requires its designations' values as well)
    const vs: ValueSet = { resourceType: 'ValueSet', url: 'http://example.org/vs/rules', status: 'active', compose: { include: [{ system: URL, concept: [{ code: 'abc', designation: [{ language: 'de' } as never] }] }] } };
    const expanded = await request(server.app).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send(parametersOf({ name: 'valueSet', resource: vs }, { name: 'tx-resource', resource: codeSystem({}) })).expect(400);
    expect(issue(expanded).expression).toEqual(['ValueSet.compose.include[0].concept[0].designation[0].value']);
  });
});

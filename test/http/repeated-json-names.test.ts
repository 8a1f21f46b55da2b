/**
 * A body whose object names a property twice is not FHIR JSON (R4 json.html: property names SHALL be unique). JSON.parse
 * would keep the last value silently, so a write would store, and $validate would judge, something else than the
 * client sent: every JSON body is refused with 400 naming the property and the object, in Danish too, and nothing is
 * written.
 */
import type { OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken, FSIII } from '../support/app';
import { CODES, localCodeSystem } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101' }));
});

const text = (res: request.Response) => (res.body as OperationOutcome).issue[0]?.details?.text;

/** A JSON text with `member` added as the last member of the object that starts at `objectStart` in `json`. */
function withMember(json: string, objectStart: string, member: string): string {
  const at = json.indexOf(objectStart);
  expect(at).toBeGreaterThanOrEqual(0);
  return `${json.slice(0, at + 1)}${member},${json.slice(at + 1)}`;
}

describe('a property named twice in one object of a body', () => {
  it('a write: 400 naming the property and where, in Danish too, and nothing is stored', async () => {
    const cs = localCodeSystem('101', 'to-gange', [{ code: '101-A', display: 'A', type: 'indsats' }, { code: '101-B', display: 'B', type: 'indsats' }]);
    const body = withMember(JSON.stringify(cs), '{"code":"101-B"', '"code":"101-C"');
    expect((JSON.parse(body) as typeof cs).concept![1]!.code).toBe('101-B');
    const put = (lang: string) => request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).set('Accept-Language', lang)
      .type(JSON_TYPE).send(body);
    const res = await put('en').expect(400);
    expect((res.body as OperationOutcome).issue).toMatchObject([{ severity: 'error', code: 'invalid' }]);
    expect(text(res)).toBe("The request body is not valid FHIR JSON: the object at CodeSystem.concept[1] has the property 'code' twice (in FHIR's JSON an object names each property once)");
    expect(text(await put('da').expect(400))).toMatch(/^Forespørgslens krop er ikke gyldig FHIR JSON: objektet ved CodeSystem\.concept\[1\] har egenskaben 'code' to gange/);
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    // the same resource without the second name is written
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type(JSON_TYPE).send(JSON.stringify(cs)).expect(201);
  });

  it('an operation\'s Parameters, at the parameter that has it, and in a resource a parameter carries', async () => {
    const params = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODES.nikotin }] });
    await request(app).post('/fhir/CodeSystem/$lookup').type(JSON_TYPE).send(params).expect(200);
    const twice = withMember(params, '{"name":"code"', `"valueCode":"${CODES.kostvejledning}"`);
    expect(text(await request(app).post('/fhir/CodeSystem/$lookup').type(JSON_TYPE).send(twice).expect(400))).toMatch(/at Parameters\.parameter\[1\] has the property 'valueCode' twice/);
    // whatever else the Content-Type says
    for (const type of ['application/json', `${JSON_TYPE}; charset=utf-8; fhirVersion=4.0`, `${JSON_TYPE}; profile="x"`]) {
      const res = await request(app).post('/fhir/CodeSystem/$lookup').set('Content-Type', type).send(twice);
      expect({ type, status: res.status, text: text(res) }).toEqual({ type, status: 400, text: expect.stringMatching(/has the property 'valueCode' twice/) });
    }
    const carried = JSON.stringify({ resourceType: 'Parameters', parameter: [
      { name: 'url', valueUri: 'http://example.org/cs' }, { name: 'code', valueCode: 'a' },
      { name: 'tx-resource', resource: { resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', concept: [{ code: 'a' }] } },
    ] });
    await request(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE).send(carried).expect(200);
    const shadowed = withMember(carried, '{"resourceType":"CodeSystem"', '"status":"retired"');
    expect(text(await request(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE).send(shadowed).expect(400)))
      .toMatch(/at Parameters\.parameter\[2\]\.resource has the property 'status' twice/);
  });

  it('a Bundle (a transaction, a submission to $validate): at the entry', async () => {
    const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'metadata' } }] });
    await request(app).post('/fhir').type(JSON_TYPE).send(bundle).expect(200);
    const twice = withMember(bundle, '{"method"', '"method":"DELETE"');
    expect(text(await request(app).post('/fhir').type(JSON_TYPE).send(twice).expect(400))).toMatch(/at Bundle\.entry\[0\]\.request has the property 'method' twice/);
    const submission = '{"resourceType":"Bundle","type":"collection","type":"transaction"}';
    expect(text(await request(app).post('/fhir/$validate').set('Accept-Language', 'en').type(JSON_TYPE).send(submission).expect(400)))
      .toMatch(/at Bundle has the property 'type' twice/);
  });
});

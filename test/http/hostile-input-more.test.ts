/**
 * Hostile and malformed input, through HTTP: each is a clear 4xx OperationOutcome (status and issue code), never a
 * 500, and a refused write leaves nothing stored. A code that is merely not valid stays 200 with result=false.
 * (Empty and control-character values, `$translate`'s dependency parts.)
 */
import type { Bundle, OperationOutcome, Parameters, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { FSIII, testApp } from '../support/app';
import { localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { param } from '../support/parameters';

const JSON_TYPE = 'application/fhir+json';
const CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const enc = encodeURIComponent;
const VALIDATE = `/fhir/CodeSystem/$validate-code?url=${enc(FSIII)}`;
const LEGACY_MAP = 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys';

let app: App;
let token101: string;

beforeAll(async () => {
  app = await testApp();
  token101 = await tokenFor({ kommunekode: '101' });
});

function issue(res: request.Response): { code: string; text: string; expression?: string[] } {
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  const first = outcome.issue[0]!;
  return { code: first.code, text: first.details?.text ?? first.diagnostics ?? '', expression: first.expression };
}

const parametersBody = (...parameter: unknown[]): Parameters => ({ resourceType: 'Parameters', parameter } as Parameters);

describe('empty values and control characters in parameters', () => {
  it('an empty query value is 400 naming the parameter, not read as if it were absent', async () => {
    const res = await request(app).get(`${VALIDATE}&code=`).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['code'] });
    expect(issue(res).text).toMatch(/'code' is empty/);
  });

  it('an empty value of a parameter the operation could do without is 400 too (filter= on $expand)', async () => {
    const res = await request(app).get(`/fhir/ValueSet/$expand?url=${enc('http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119')}&filter=`).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['filter'] });
  });

  it('a Coding in the query with an empty code (system|) is 400', async () => {
    const res = await request(app).get(`/fhir/CodeSystem/$validate-code?coding=${enc(`${FSIII}|`)}`).expect(400);
    expect(issue(res).code).toBe('invalid');
  });

  it('an empty valueCode in a Parameters body is 400 with its expression', async () => {
    const res = await request(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE)
      .send(parametersBody({ name: 'url', valueUri: FSIII }, { name: 'code', valueCode: '' })).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['Parameters.parameter[1].valueCode'] });
  });

  it('an empty code or a control character inside a valueCoding is 400 naming the element', async () => {
    const empty = await request(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE)
      .send(parametersBody({ name: 'coding', valueCoding: { system: FSIII, code: '' } })).expect(400);
    expect(issue(empty).expression).toEqual(['Parameters.parameter[0].valueCoding.code']);
    const control = await request(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE)
      .send(parametersBody({ name: 'url', valueUri: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119' },
        { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: FSIII, code: CODE, display: 'a\u0007b' }] } })).expect(400);
    expect(issue(control).expression).toEqual(['Parameters.parameter[1].valueCodeableConcept.coding[0].display']);
    expect(issue(control).text).toMatch(/control character/);
  });

  it('a percent-encoded NUL in a code is 400; a tab is text FHIR allows, so the code is merely not valid (200, result false)', async () => {
    const nul = await request(app).get(`${VALIDATE}&code=a%00b`).expect(400);
    expect(issue(nul)).toMatchObject({ code: 'invalid', expression: ['code'] });
    const tab = await request(app).get(`${VALIDATE}&code=a%09b`).expect(200);
    expect(param(tab.body as Parameters, 'result')?.valueBoolean).toBe(false);
  });

  it('a code that is merely unknown stays 200 with result=false', async () => {
    const res = await request(app).get(`${VALIDATE}&code=no-such-code`).expect(200);
    expect(param(res.body as Parameters, 'result')?.valueBoolean).toBe(false);
  });
});

describe('empty strings and control characters in written resources', () => {
  const auth = () => `Bearer ${token101}`;

  it('a control character in a concept display is 422 structure at the element, and nothing is stored', async () => {
    const cs = localCodeSystem('101', 'kontrol', [{ code: '101-A', display: 'A\u0000B', type: 'indsats' }]);
    const res = await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(422);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['CodeSystem.concept[0].display'] });
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });

  it('an empty system in a ValueSet compose (the schema lets an empty uri through) is 422 at the element', async () => {
    const id = municipalId('101', 'tom');
    const vs: ValueSet = {
      resourceType: 'ValueSet', id, url: municipalUrl('101', 'ValueSet', 'tom'), identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }],
      status: 'active', compose: { include: [{ system: '' }] },
    };
    const res = await request(app).put(`/fhir/ValueSet/${id}`).set('Authorization', auth()).type(JSON_TYPE).send(vs).expect(422);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['ValueSet.compose.include[0].system'] });
    await request(app).get(`/fhir/ValueSet/${id}`).expect(404);
  });

  it('an empty string is reported once, in FHIR words, not also as the schema pattern', async () => {
    const cs = localCodeSystem('101', 'tomt-navn', [{ code: '101-A', display: 'A', type: 'indsats' }]);
    cs.name = '';
    const res = await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(422);
    const issues = (res.body as OperationOutcome).issue.filter((i) => i.expression?.[0] === 'CodeSystem.name');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.details?.text).toMatch(/is empty/);
  });

  it('an unpaired surrogate in a transaction entry refuses the whole transaction (nothing of it is written)', async () => {
    const cs = localCodeSystem('101', 'helt-i-orden', [{ code: '101-OK', display: 'OK', type: 'indsats' }]);
    const cm = localConceptMap('101', 'surrogat', [{ code: '101-OK', targets: [CODE] }], cs.url);
    cm.group![0]!.element![0]!.display = 'x\ud800y';
    const bundle: Bundle = {
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
        { resource: cm, request: { method: 'PUT', url: `ConceptMap/${cm.id}` } },
      ],
    };
    const res = await request(app).post('/fhir').set('Authorization', auth()).type(JSON_TYPE).send(bundle).expect(422);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['Bundle.entry[1].resource.group[0].element[0].display'] });
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    await request(app).get(`/fhir/ConceptMap/${cm.id}`).expect(404);
  });

  it('tab, line feed and carriage return are text FHIR allows: written', async () => {
    const cs = localCodeSystem('101', 'med-tab', [{ code: '101-T', display: 'A\tB', type: 'indsats', definition: 'linje 1\r\nlinje 2' }]);
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(201);
  });
});

describe("$translate's dependency", () => {
  const translate = (dependency: unknown) => request(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE)
    .send(parametersBody({ name: 'url', valueUri: LEGACY_MAP }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }, dependency));

  it('without parts is 400', async () => {
    const res = await translate({ name: 'dependency', valueString: 'x' }).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['Parameters.parameter[3]'] });
    await translate({ name: 'dependency', part: [] }).expect(400);
    await translate({ name: 'dependency', part: 'element' }).expect(400);
  });

  it('with a part it does not define, or a part of the wrong type, or a part twice, is 400 naming the part', async () => {
    const unknown = await translate({ name: 'dependency', part: [{ name: 'bogus', valueString: 'x' }] }).expect(400);
    expect(issue(unknown)).toMatchObject({ code: 'invalid', expression: ['Parameters.parameter[3].part[0]'] });
    expect(issue(unknown).text).toMatch(/element, concept/);
    const wrongType = await translate({ name: 'dependency', part: [{ name: 'element', valueUri: 'http://x' }, { name: 'concept', valueString: 'x' }] }).expect(400);
    expect(issue(wrongType).expression?.[0]).toMatch(/^Parameters\.parameter\[3\]\.part\[1\]/);
    await translate({ name: 'dependency', part: [{ name: 'element', valueBoolean: true }] }).expect(400);
    await translate({ name: 'dependency', part: [{ name: 'element', valueUri: 'http://x' }, { name: 'element', valueUri: 'http://y' }] }).expect(400);
    await translate({ name: 'dependency', part: [{ valueUri: 'http://x' }] }).expect(400);
  });

  it('well-formed (element and concept) is taken', async () => {
    await translate({
      name: 'dependency', part: [{ name: 'element', valueUri: 'http://example.org/element' }, { name: 'concept', valueCodeableConcept: { coding: [{ system: 'http://x', code: 'a' }] } }],
    }).expect(200);
  });
});


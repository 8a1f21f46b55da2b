import net from 'node:net';
/**
 * Hostile and malformed input, through HTTP: each is a clear 4xx OperationOutcome (status and issue code), never a
 * 500, and a refused write leaves nothing stored. A code that is merely not valid stays 200 with result=false.
 * (Empty and control-character values, repeated `_format`, other FHIR versions in Content-Type and Accept,
 * `metadata` in a batch, `$translate`'s dependency parts, bodies that are not UTF-8 or shorter than their
 * Content-Length, PATCH, a query of more than 1,000 parameters.)
 */
import type { AddressInfo } from 'node:net';
import type { Bundle, CapabilityStatement, CodeSystem, OperationOutcome, Parameters, TerminologyCapabilities, ValueSet } from 'fhir/r4';
import request from 'supertest';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { createHttpServer } from '../../src/http/server';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { FSIII, testApp } from '../support/app';
import { localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { param } from '../support/parameters';
import { rawExchange } from '../support/socket';

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
    const res = await inEnglish(app).get(`${VALIDATE}&code=`).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['code'] });
    expect(issue(res).text).toMatch(/'code' is empty/);
  });

  it('an empty value of a parameter the operation could do without is 400 too (filter= on $expand)', async () => {
    const res = await inEnglish(app).get(`/fhir/ValueSet/$expand?url=${enc('http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119')}&filter=`).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['filter'] });
  });

  it('a Coding in the query with an empty code (system|) is 400', async () => {
    const res = await inEnglish(app).get(`/fhir/CodeSystem/$validate-code?coding=${enc(`${FSIII}|`)}`).expect(400);
    expect(issue(res).code).toBe('invalid');
  });

  it('an empty valueCode in a Parameters body is 400 with its expression', async () => {
    const res = await inEnglish(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE)
      .send(parametersBody({ name: 'url', valueUri: FSIII }, { name: 'code', valueCode: '' })).expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['Parameters.parameter[1].valueCode'] });
  });

  it('an empty code or a control character inside a valueCoding is 400 naming the element', async () => {
    const empty = await inEnglish(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE)
      .send(parametersBody({ name: 'coding', valueCoding: { system: FSIII, code: '' } })).expect(400);
    expect(issue(empty).expression).toEqual(['Parameters.parameter[0].valueCoding.code']);
    const control = await inEnglish(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE)
      .send(parametersBody({ name: 'url', valueUri: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119' },
        { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: FSIII, code: CODE, display: 'a\u0007b' }] } })).expect(400);
    expect(issue(control).expression).toEqual(['Parameters.parameter[1].valueCodeableConcept.coding[0].display']);
    expect(issue(control).text).toMatch(/control character/);
  });

  it('a percent-encoded NUL in a code is 400; a tab is text FHIR allows, so the code is merely not valid (200, result false)', async () => {
    const nul = await inEnglish(app).get(`${VALIDATE}&code=a%00b`).expect(400);
    expect(issue(nul)).toMatchObject({ code: 'invalid', expression: ['code'] });
    const tab = await inEnglish(app).get(`${VALIDATE}&code=a%09b`).expect(200);
    expect(param(tab.body as Parameters, 'result')?.valueBoolean).toBe(false);
  });

  it('a code that is merely unknown stays 200 with result=false', async () => {
    const res = await inEnglish(app).get(`${VALIDATE}&code=no-such-code`).expect(200);
    expect(param(res.body as Parameters, 'result')?.valueBoolean).toBe(false);
  });
});

describe('empty strings and control characters in written resources', () => {
  const auth = () => `Bearer ${token101}`;

  it('a control character in a concept display is 422 structure at the element, and nothing is stored', async () => {
    const cs = localCodeSystem('101', 'kontrol', [{ code: '101-A', display: 'A\u0000B', type: 'indsats' }]);
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(422);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['CodeSystem.concept[0].display'] });
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });

  it('an empty system in a ValueSet compose (the schema lets an empty uri through) is 422 at the element', async () => {
    const id = municipalId('101', 'tom');
    const vs: ValueSet = {
      resourceType: 'ValueSet', id, url: municipalUrl('101', 'ValueSet', 'tom'), identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }],
      status: 'active', compose: { include: [{ system: '' }] },
    };
    const res = await inEnglish(app).put(`/fhir/ValueSet/${id}`).set('Authorization', auth()).type(JSON_TYPE).send(vs).expect(422);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['ValueSet.compose.include[0].system'] });
    await inEnglish(app).get(`/fhir/ValueSet/${id}`).expect(404);
  });

  it.each([['-1', 'must be >= 0'], ['2.5', 'must be integer'], ['1e400', 'must be <='], ['2147483648', 'must be <=']])(
    'an unsignedInt of %s (count) is 422 structure at the element, and nothing is stored', async (count, message) => {
      const cs = localCodeSystem('101', 'antal', [{ code: '101-A', display: 'A', type: 'indsats' }]);
      const text = JSON.stringify(cs).replace(/}$/, `,"count":${count}}`);
      const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(text).expect(422);
      expect(issue(res)).toMatchObject({ code: 'structure', expression: ['CodeSystem.count'] });
      expect(issue(res).text).toContain(message);
      await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    },
  );

  it.each([['2022-02-30'], ['2023-02-29'], ['2022-04-31T12:00:00+01:00']])(
    'a date its month does not have (%s) is 422 structure at the element, and nothing is stored', async (date) => {
      const cs = { ...localCodeSystem('101', 'dato', [{ code: '101-A', display: 'A', type: 'indsats' }]), date };
      const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(422);
      expect(issue(res)).toMatchObject({ code: 'structure', expression: ['CodeSystem.date'] });
      await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    },
  );

  it('a no-break space (text pasted from a word processor) in a display and a definition is written and read back as it was', async () => {
    const cs = localCodeSystem('101', 'haardt-mellemrum', [{ code: '101-A', display: 'Rehabilitering\u00a0efter §\u00a0140', type: 'indsats' }]);
    cs.concept![0]!.definition = 'Forløb på 12\u00a0uger\u202f';
    await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(201);
    const read = (await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(200)).body as CodeSystem;
    expect(read.concept![0]).toMatchObject({ display: 'Rehabilitering\u00a0efter §\u00a0140', definition: 'Forløb på 12\u00a0uger\u202f' });
  });

  it('February 29 of a leap year is a date', async () => {
    const cs = { ...localCodeSystem('101', 'skuddag', [{ code: '101-A', display: 'A', type: 'indsats' }]), date: '2024-02-29' };
    await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(201);
  });

  it('a whole number in its range is an unsignedInt, and a decimal property value may have a fraction', async () => {
    const cs = localCodeSystem('101', 'antal-ok', [{ code: '101-A', display: 'A', type: 'indsats' }]);
    cs.count = 1;
    cs.property = [...(cs.property ?? []), { code: 'vaegt', type: 'decimal' }];
    cs.concept![0]!.property = [...(cs.concept![0]!.property ?? []), { code: 'vaegt', valueDecimal: 2.5 }];
    await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(201);
  });

  it('an empty string is reported once, in FHIR words, not also as the schema pattern', async () => {
    const cs = localCodeSystem('101', 'tomt-navn', [{ code: '101-A', display: 'A', type: 'indsats' }]);
    cs.name = '';
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(422);
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
    const res = await inEnglish(app).post('/fhir').set('Authorization', auth()).type(JSON_TYPE).send(bundle).expect(422);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['Bundle.entry[1].resource.group[0].element[0].display'] });
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    await inEnglish(app).get(`/fhir/ConceptMap/${cm.id}`).expect(404);
  });

  it('is refused in Danish to a Danish caller (the English as its translation), alone and in a transaction; in English otherwise, as before', async () => {
    const cs = localCodeSystem('101', 'dansk-tekst', [{ code: '101-A', display: 'A\u0000B', type: 'indsats' }]);
    cs.concept![0]!.definition = '';
    const put = (lang: string) => inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).set('Accept-Language', lang).type(JSON_TYPE).send(cs).expect(422);
    const en = (await put('en')).body as OperationOutcome;
    expect(en.issue.slice(0, 2)).toEqual([
      { severity: 'error', code: 'structure', details: { text: 'Not valid FHIR R4: the value has a control character (only tab, line feed and carriage return are allowed in FHIR text)' },
        location: ['CodeSystem.concept[0].display'], expression: ['CodeSystem.concept[0].display'] },
      { severity: 'error', code: 'structure', details: { text: 'Not valid FHIR R4: the value is empty (FHIR values are never empty: leave the element or parameter out instead)' },
        location: ['CodeSystem.concept[0].definition'], expression: ['CodeSystem.concept[0].definition'] },
    ]);
    const da = (await put('da')).body as OperationOutcome;
    expect(da.issue.slice(0, 2).map((i) => [i.details?.text, i.details?._text?.extension?.[0]?.extension?.[1]?.valueString])).toEqual([
      ['Ikke gyldig FHIR R4: værdien indeholder et kontroltegn (kun tabulator, linjeskift og vognretur er tilladt i FHIR-tekst)', en.issue[0]!.details!.text],
      ['Ikke gyldig FHIR R4: værdien er tom (FHIR-værdier er aldrig tomme: udelad i stedet elementet eller parameteren)', en.issue[1]!.details!.text],
    ]);
    const transaction = await inEnglish(app).post('/fhir').set('Authorization', auth()).set('Accept-Language', 'da').type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } }] }).expect(422);
    expect(issue(transaction)).toMatchObject({ expression: ['Bundle.entry[0].resource.concept[0].display'], text: da.issue[0]!.details!.text });
  });

  it('tab, line feed and carriage return are text FHIR allows: written', async () => {
    const cs = localCodeSystem('101', 'med-tab', [{ code: '101-T', display: 'A\tB', type: 'indsats', definition: 'linje 1\r\nlinje 2' }]);
    await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth()).type(JSON_TYPE).send(cs).expect(201);
  });
});

describe('empty strings and control characters in a tx-resource', () => {
  const codeSystem = (display: string, definition = 'd') => ({
    resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete',
    concept: [{ code: 'a', display: 'A' }, { code: 'b', display, definition }],
  });
  const validate = (resource: object) => inEnglish(app).post('/fhir/CodeSystem/$validate-code').type(JSON_TYPE)
    .send(parametersBody({ name: 'url', valueUri: 'http://example.org/cs' }, { name: 'tx-resource', resource }, { name: 'code', valueCode: 'a' }));

  it('is 400 structure at the element, named in the parameter it came in, for each of them', async () => {
    for (const [display, problem] of [['', /is empty/], ['B\u0000', /control character/], ['B\ud800', /unpaired UTF-16 surrogate/]] as const) {
      const res = await validate(codeSystem(display)).expect(400);
      expect(issue(res)).toMatchObject({ code: 'structure', expression: ['Parameters.parameter[1].resource.concept[1].display'] });
      expect(issue(res).text).toMatch(problem);
    }
    const both = await validate(codeSystem('', '\u0001')).expect(400);
    expect((both.body as OperationOutcome).issue.map((i) => [i.code, i.expression])).toEqual([
      ['structure', ['Parameters.parameter[1].resource.concept[1].display']], ['structure', ['Parameters.parameter[1].resource.concept[1].definition']],
    ]);
  });

  it('is refused in Danish to a Danish caller, and in a ValueSet given to $expand', async () => {
    const valueSet = { resourceType: 'ValueSet', url: 'http://example.org/vs', status: 'active', compose: { include: [{ system: 'http://example.org/cs', concept: [{ code: 'a', display: '\u0007' }] }] } };
    const res = await inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE).set('Accept-Language', 'da')
      .send(parametersBody({ name: 'tx-resource', resource: codeSystem('B') }, { name: 'tx-resource', resource: valueSet }, { name: 'url', valueUri: 'http://example.org/vs' }))
      .expect(400);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: ['Parameters.parameter[1].resource.compose.include[0].concept[0].display'] });
    expect(issue(res).text).toBe('Ikke gyldig FHIR R4: værdien indeholder et kontroltegn (kun tabulator, linjeskift og vognretur er tilladt i FHIR-tekst)');
  });

  it("in a $batch-validate-code validation's own tx-resource is that validation's answer, named in it", async () => {
    const res = await inEnglish(app).post('/fhir/ValueSet/$batch-validate-code').type(JSON_TYPE).send(parametersBody(
      { name: 'validation', resource: parametersBody({ name: 'coding', valueCoding: { system: 'http://example.org/cs', code: 'a' } }, { name: 'tx-resource', resource: codeSystem('') }) },
    )).expect(200);
    const outcome = (res.body as Parameters).parameter![0]!.resource as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ code: 'structure', expression: ['Parameters.parameter[1].resource.concept[1].display'] });
  });

  it('tab, line feed and carriage return are text FHIR allows: taken', async () => {
    const res = await validate(codeSystem('A\tB', 'linje 1\r\nlinje 2')).expect(200);
    expect(param(res.body as Parameters, 'result')?.valueBoolean).toBe(true);
  });
});

describe('empty strings and control characters in a resource given as an operation parameter', () => {
  const codeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', concept: [{ code: 'a', display: 'A\u0000' }] };
  const valueSet = { resourceType: 'ValueSet', url: 'http://example.org/vs', status: 'active', compose: { include: [{ system: FSIII, concept: [{ code: CODE, display: '' }] }] } };
  const conceptMap = {
    resourceType: 'ConceptMap', url: 'http://example.org/cm', status: 'active',
    group: [{ source: 'http://example.org/a', target: FSIII, element: [{ code: 'a', target: [{ code: CODE, equivalence: 'equivalent', comment: 'x\ud800' }] }] }],
  };
  const CASES: [string, Parameters, string][] = [
    ['CodeSystem/$validate-code', parametersBody({ name: 'code', valueCode: 'a' }, { name: 'codeSystem', resource: codeSystem }), 'Parameters.parameter[1].resource.concept[0].display'],
    ['ValueSet/$validate-code', parametersBody({ name: 'valueSet', resource: valueSet }, { name: 'code', valueCode: CODE }, { name: 'system', valueUri: FSIII }),
      'Parameters.parameter[0].resource.compose.include[0].concept[0].display'],
    ['ValueSet/$expand', parametersBody({ name: 'valueSet', resource: valueSet }), 'Parameters.parameter[0].resource.compose.include[0].concept[0].display'],
    ['ConceptMap/$translate', parametersBody({ name: 'system', valueUri: 'http://example.org/a' }, { name: 'code', valueCode: 'a' }, { name: 'conceptMap', resource: conceptMap }),
      'Parameters.parameter[2].resource.group[0].element[0].target[0].comment'],
    ['ValueSet/$compare', parametersBody({ name: 'thisValueSet', resource: valueSet }, { name: 'otherUrl', valueUri: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119' }),
      'Parameters.parameter[0].resource.compose.include[0].concept[0].display'],
  ];

  it.each(CASES)('%s: 400 structure at the element, named in the parameter it came in, as a tx-resource is', async (path, body, expression) => {
    const res = await inEnglish(app).post(`/fhir/${path}`).type(JSON_TYPE).send(body).expect(400);
    expect(issue(res)).toMatchObject({ code: 'structure', expression: [expression] });
    expect(issue(res).text).toMatch(/^Not valid FHIR R4: the value /);
  });

  it("in a $batch-validate-code validation is that validation's answer, named in it", async () => {
    const res = await inEnglish(app).post('/fhir/ValueSet/$batch-validate-code').type(JSON_TYPE).send(parametersBody(
      { name: 'url', valueUri: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119' },
      { name: 'validation', resource: parametersBody({ name: 'coding', valueCoding: { system: FSIII, code: CODE } }) },
      { name: 'validation', resource: parametersBody({ name: 'coding', valueCoding: { system: FSIII, code: CODE } }, { name: 'valueSet', resource: valueSet }) },
    )).expect(200);
    const [first, second] = (res.body as Parameters).parameter!.map((p) => p.resource!);
    expect(first!.resourceType).toBe('Parameters');
    expect((second as OperationOutcome).issue[0]).toMatchObject({ code: 'structure', expression: ['Parameters.parameter[1].resource.compose.include[0].concept[0].display'] });
  });

  it('is left to $validate, which examines the resource (an OperationOutcome, 200), not refused beforehand', async () => {
    const res = await inEnglish(app).post('/fhir/$validate').type(JSON_TYPE).send(parametersBody({ name: 'resource', resource: codeSystem })).expect(200);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });
});

describe('formats and FHIR versions a request asks for', () => {
  it('_format given twice is 400', async () => {
    const res = await inEnglish(app).get('/fhir/metadata?_format=json&_format=json').expect(400);
    expect(issue(res)).toMatchObject({ code: 'invalid', expression: ['_format'] });
    await inEnglish(app).get(`${VALIDATE}&code=${CODE}&_format=json&_format=xml`).expect(400);
  });

  it('a body said to be FHIR 3.0 or 5.0 is 415 naming the version served; fhirVersion=4.0 is taken', async () => {
    const body = parametersBody({ name: 'url', valueUri: FSIII }, { name: 'code', valueCode: CODE });
    for (const version of ['3.0', '5.0', '4.3']) {
      const res = await inEnglish(app).post('/fhir/CodeSystem/$validate-code').set('Content-Type', `application/fhir+json; fhirVersion=${version}`)
        .send(JSON.stringify(body)).expect(415);
      expect(issue(res).code).toBe('not-supported');
      expect(issue(res).text).toMatch(/R4.*fhirVersion=4\.0/);
    }
    const ok = await inEnglish(app).post('/fhir/CodeSystem/$validate-code').set('Content-Type', 'application/fhir+json; charset=utf-8; fhirVersion=4.0')
      .send(JSON.stringify(body)).expect(200);
    expect(param(ok.body as Parameters, 'result')?.valueBoolean).toBe(true);
  });

  it('a write whose body is said to be another FHIR version is 415 and not stored', async () => {
    const cs = localCodeSystem('101', 'r5', [{ code: '101-R5', display: 'R5', type: 'indsats' }]);
    await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token101}`)
      .set('Content-Type', 'application/fhir+json; fhirVersion=5.0').send(JSON.stringify(cs)).expect(415);
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });

  it('Accept naming only another fhirVersion is 406; with R4 or an open range among them, answered', async () => {
    const res = await inEnglish(app).get('/fhir/metadata').set('Accept', 'application/fhir+json; fhirVersion=5.0').expect(406);
    expect(issue(res).code).toBe('not-supported');
    await inEnglish(app).get(`${VALIDATE}&code=${CODE}`).set('Accept', 'application/fhir+json; fhirVersion=3.0').expect(406);
    await inEnglish(app).get('/fhir/metadata').set('Accept', 'application/fhir+json; fhirVersion=3.0, application/fhir+json; fhirVersion=4.0').expect(200);
    await inEnglish(app).get('/fhir/metadata').set('Accept', 'application/fhir+json; fhirVersion=3.0, */*;q=0.1').expect(200);
    await inEnglish(app).get('/fhir/metadata').set('Accept', 'application/fhir+json; fhirVersion=4.0').expect(200);
  });

  it('Accept asking only for XML or Turtle is 406 (they were answered in JSON the client cannot read); any JSON or open range among them is answered', async () => {
    for (const accept of ['application/fhir+xml', 'application/xml', 'application/fhir+xml;q=1, application/xml;q=0.9', 'text/turtle']) {
      const res = await inEnglish(app).get(`${VALIDATE}&code=${CODE}`).set('Accept', accept).expect(406);
      expect(issue(res).code).toBe('not-supported');
      expect(issue(res).text).toMatch(/answers in JSON/);
      await inEnglish(app).get('/fhir/metadata').set('Accept', accept).expect(406);
    }
    for (const accept of ['application/fhir+json;q=0.5, application/fhir+xml', 'application/fhir+xml, */*;q=0.1', 'text/html', 'application/json']) {
      await inEnglish(app).get(`${VALIDATE}&code=${CODE}`).set('Accept', accept).expect(200);
    }
    const da = await inEnglish(app).get('/fhir/metadata').set('Accept', 'application/fhir+xml').set('Accept-Language', 'da').expect(406);
    expect(issue(da).text).toMatch(/svarer i JSON/);
  });
});

describe('metadata in a batch', () => {
  it('is answered as GET metadata is: the CapabilityStatement, or TerminologyCapabilities with mode=terminology', async () => {
    const res = await inEnglish(app).post('/fhir').type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: 'metadata' } },
        { request: { method: 'GET', url: 'metadata?mode=terminology' } },
        { request: { method: 'GET', url: 'metadata?mode=nonsense' } },
      ],
    }).expect(200);
    const [cs, tc, bad] = (res.body as Bundle).entry!;
    expect(cs!.response!.status).toBe('200 OK');
    expect((cs!.resource as CapabilityStatement).resourceType).toBe('CapabilityStatement');
    const direct = (await inEnglish(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    expect((cs!.resource as CapabilityStatement).rest).toEqual(direct.rest);
    expect((tc!.resource as TerminologyCapabilities).resourceType).toBe('TerminologyCapabilities');
    expect(bad!.response!.status).toBe('400 Bad Request');
  });
});

describe("$translate's dependency", () => {
  const translate = (dependency: unknown) => inEnglish(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE)
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

describe('request bodies', () => {
  it('a body that is not valid UTF-8 is 400, not read with replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://x'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    // sent as the bytes given (superagent would serialise a Buffer as JSON; its types say a serializer returns text)
    const res = await inEnglish(app).post('/fhir/ValueSet/$expand').set('Content-Type', JSON_TYPE).serialize((b: Buffer) => b as unknown as string).send(body).expect(400);
    expect(issue(res).code).toBe('invalid');
    expect(issue(res).text).toMatch(/UTF-8/);
  });

  it('PATCH is 405 whatever the body (no PATCH is supported), also on a published catalog', async () => {
    const admin = await tokenFor({ scope: 'openid admin' });
    const res = await inEnglish(app).patch('/fhir/CodeSystem/fsiii-status').set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/json-patch+json').send('[{"op":"remove","path":"/concept"}]').expect(405);
    expect(issue(res).code).toBe('not-supported');
  });

  it('a body shorter than its Content-Length is 408 (the client\'s), not 503 (the server\'s), at the request timeout', async () => {
    const quick = await testApp({ requestTimeoutMs: 200 });
    const server = createHttpServer(quick).listen(0, '127.0.0.1'); // receiving may take 60 s: the request timeout comes first
    await new Promise((r) => server.once('listening', r));
    try {
      const body = '{"resourceType":"Parameters","parameter":[]}';
      const answer = await rawExchange((server.address() as AddressInfo).port,
        `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${body.length + 100}\r\n\r\n`, body);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toMatch(/"code":"timeout"/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a client that stops reading its answer', () => {
  it('is closed once nothing has moved on its connection for stalledConnectionMs, letting the answer go', async () => {
    const server = createHttpServer(app, { stalledConnectionMs: 400 }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const connections = () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
    try {
      // a batch of 60 reads of FSIII: tens of megabytes, more than the sockets' buffers take
      const body = JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 60 }, () => ({ request: { method: 'GET', url: 'CodeSystem/FSIII' } })) });
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.pause(); // never reads
      socket.on('error', () => undefined);
      socket.write(`POST /fhir HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await new Promise((r) => setTimeout(r, 200));
      expect(await connections()).toBe(1);
      const since = Date.now();
      while ((await connections()) > 0 && Date.now() - since < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(await connections()).toBe(0);
      socket.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('large answers being written, all connections together (ANSWERS_IN_FLIGHT_MB)', () => {
  it('a batch the budget has no room for is 503 throttled with Retry-After, not computed, while another is unread; taken again once it is gone', async () => {
    // room for one batch's largest answer (64 MB) and a little more: one unread batch leaves no room for another
    const small = await testApp({ answersInFlightBytes: 66 * 1024 * 1024 });
    const server = createHttpServer(small).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    // 20 reads of FSIII: ~4.4 MB
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 20 }, () => ({ request: { method: 'GET', url: 'CodeSystem/FSIII' } })) });
    const head = `POST /fhir HTTP/1.1\r\nHost: x\r\nAccept-Language: da\r\nConnection: close\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    try {
      const unread = net.connect(port, '127.0.0.1');
      await new Promise((r) => unread.once('connect', r));
      unread.pause();
      unread.on('error', () => undefined);
      unread.write(head + body);
      // the unread answer holds the budget once it is computed and written (on a loaded machine later than on a quiet one)
      let refused = '';
      for (const since = Date.now(); Date.now() - since < 10_000;) {
        await new Promise((r) => setTimeout(r, 200));
        refused = await rawExchange(port, head, body);
        if (/^HTTP\/1\.1 503 /.test(refused)) break;
      }
      expect(refused).toMatch(/^HTTP\/1\.1 503 /);
      expect(refused).toMatch(/retry-after: 5/i);
      expect(refused).toMatch(/"code":"throttled"/);
      expect(refused).toMatch(/Serveren skriver allerede s/);
      // small answers are not counted
      expect(await rawExchange(port, `GET /fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=${CODE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, '')).toMatch(/^HTTP\/1\.1 200 /);
      unread.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(await rawExchange(port, head, body)).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a query of more than 1,000 parameters', () => {
  // node's query parser stops at 1,000 parameters by default and drops the rest without a word
  const padding = Array.from({ length: 1100 }, (_, i) => `_pad${i}=x`).join('&');
  const lookup = `CodeSystem/$lookup?${padding}&system=${enc(FSIII)}&code=${CODE}`;

  it('reads every parameter of a GET (the lean adapter and Express)', async () => {
    for (const overrides of [{}, { fastPath: false }]) {
      const a = Object.keys(overrides).length === 0 ? app : await testApp(overrides);
      const res = await inEnglish(a).get(`/fhir/${lookup}`).expect(200);
      expect(param(res.body as Parameters, 'display')?.valueString).toBe('Afklarende samtale');
    }
  });

  it('reads every parameter of a batch entry', async () => {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: lookup } }] };
    const res = await inEnglish(app).post('/fhir').set('Content-Type', JSON_TYPE).send(bundle).expect(200);
    const entry = (res.body as Bundle).entry![0]!;
    expect(entry.response?.status).toMatch(/^200/);
    expect(param(entry.resource as Parameters, 'display')?.valueString).toBe('Afklarende samtale');
  });
});

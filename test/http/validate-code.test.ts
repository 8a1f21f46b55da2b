import type { CodeSystem, ConceptMap, OperationOutcome, Parameters, ParametersParameter, Resource, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FFB, FSIII, testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';

const AFKLARENDE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c'; // Afklarende samtale
const SAARBEHANDLING = '76878386-b3d2-4320-828a-a700e8a66234'; // Sårbehandling
const RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5';
const REPLACEMENT = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const FSIII_STATUS = 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status|1.0.0';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const all = (p: Parameters, name: string) => (p.parameter ?? []).filter((x) => x.name === name);
const post = (path: string, parameter: ParametersParameter[]) =>
  request(app).post(`/fhir/${path}`).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Parameters', parameter });

describe('ValueSet/$validate-code', () => {
  it('validates a member of a catalog value set, with its display', async () => {
    const res = await request(app).get('/fhir/ValueSet/$validate-code')
      .query({ url: CATALOG_119, system: FSIII, code: AFKLARENDE, display: 'Afklarende samtale' }).expect(200);
    expect(value(res.body, 'result')).toBe(true);
    expect(value(res.body, 'display')).toBe('Afklarende samtale');
    expect(value(res.body, 'version')).toBe('20240530');
  });

  it('takes a display whose å is typed as a and a combining ring as the display with the letter å', async () => {
    const decomposed = await request(app).get('/fhir/CodeSystem/$validate-code')
      .query({ url: FSIII, code: SAARBEHANDLING, display: 'Sa\u030arbehandling' }).expect(200);
    expect([value(decomposed.body, 'result'), value(decomposed.body, 'message')]).toEqual([true, undefined]);
  });

  it('explains a wrong display in the requested language', async () => {
    const res = await request(app).get('/fhir/ValueSet/$validate-code').set('Accept-Language', 'en')
      .query({ url: CATALOG_119, system: FSIII, code: AFKLARENDE, display: 'Clarifying talk' }).expect(200);
    expect(value(res.body, 'result')).toBe(false);
    expect(value(res.body, 'message')).toBe(
      `Wrong Display Name 'Clarifying talk' for ${FSIII}#${AFKLARENDE}. Valid display is 'Afklarende samtale' (for the language(s) 'en')`);
  });

  it('lists each valid display once: the display and the supplements\' designations repeating it are one choice', async () => {
    const query = { url: CATALOG_119, system: FSIII, code: AFKLARENDE, display: 'wrong' };
    const da = await request(app).get('/fhir/ValueSet/$validate-code').set('Accept-Language', 'da').query(query).expect(200);
    expect(value(da.body, 'message')).toBe(
      `Forkert visningsnavn 'wrong' for ${FSIII}#${AFKLARENDE}. Gyldigt visningsnavn er 'Afklarende samtale' (for sproget/sprogene 'da')`);
    const en = await request(app).get('/fhir/ValueSet/$validate-code').query({ ...query, displayLanguage: 'da' }).expect(200);
    expect(value(en.body, 'message')).toBe(
      `Wrong Display Name 'wrong' for ${FSIII}#${AFKLARENDE}. Valid display is 'Afklarende samtale' (for the language(s) 'da')`);
  });

  it('validates a CodeableConcept and echoes it', async () => {
    const cc = { coding: [{ system: FFB, code: '67b4ac73-dedf-4337-ad56-476b0a55ab03' }, { system: FSIII, code: AFKLARENDE }] };
    const res = await post('ValueSet/$validate-code', [{ name: 'url', valueUri: CATALOG_119 }, { name: 'codeableConcept', valueCodeableConcept: cc }]).expect(200);
    expect(value(res.body, 'result')).toBe(true);
    expect(value(res.body, 'codeableConcept')).toEqual(cc);
  });

  it('infers the system when asked to, and needs a system otherwise', async () => {
    const inferred = await request(app).get('/fhir/ValueSet/$validate-code').query({ url: CATALOG_119, code: AFKLARENDE, inferSystem: 'true' }).expect(200);
    expect(value(inferred.body, 'result')).toBe(true);
    expect(value(inferred.body, 'system')).toBe(FSIII);
    const res = await request(app).get('/fhir/ValueSet/$validate-code').query({ url: CATALOG_119, code: AFKLARENDE }).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('answers 4xx for an unknown value set and for a malformed displayLanguage', async () => {
    const unknown = await request(app).get('/fhir/ValueSet/$validate-code').query({ url: `${CATALOG_119}x`, system: FSIII, code: AFKLARENDE }).expect(404);
    expect(unknown.body.issue[0].details.text).toBe(`A definition for the value Set '${CATALOG_119}x' could not be found`);
    const lang = await request(app).get('/fhir/ValueSet/$validate-code')
      .query({ url: CATALOG_119, system: FSIII, code: AFKLARENDE, displayLanguage: '-' }).expect(400);
    expect(lang.body.issue[0].details.text).toBe("Invalid displayLanguage: '-'");
  });

  it('reports an unknown code system version as the cause of the failure', async () => {
    const res = await post('ValueSet/$validate-code', [
      { name: 'url', valueUri: CATALOG_119 }, { name: 'coding', valueCoding: { system: FSIII, version: '2019', code: AFKLARENDE } },
    ]).expect(200);
    expect(value(res.body, 'result')).toBe(false);
    expect(value(res.body, 'x-caused-by-unknown-system')).toBe(`${FSIII}|2019`);
  });
});

describe('CodeSystem/$validate-code', () => {
  it('validates a bare code on the code system instance', async () => {
    const res = await request(app).get('/fhir/CodeSystem/FSIII/$validate-code').query({ code: AFKLARENDE }).expect(200);
    expect(value(res.body, 'result')).toBe(true);
    expect(value(res.body, 'system')).toBe(FSIII);
  });

  it('accepts a retired code with a warning naming the replacement', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: FSIII, code: RETIRED }).expect(200);
    expect(value(res.body, 'result')).toBe(true);
    expect(value(res.body, 'message')).toContain(REPLACEMENT);
  });

  it('accepts a supplement the code system has, and refuses one it does not', async () => {
    await request(app).get('/fhir/CodeSystem/$validate-code')
      .query({ url: FSIII, code: AFKLARENDE, useSupplement: 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-indsatskatalog' }).expect(200);
    const res = await request(app).get('/fhir/CodeSystem/$validate-code')
      .query({ url: FSIII, code: AFKLARENDE, useSupplement: 'http://example.org/none' }).expect(404);
    expect(res.body.issue[0].details.text).toBe('Required supplement not found: http://example.org/none');
  });

  it('warns about a code unknown to a code system with content example, naming that content mode (not a fragment)', async () => {
    const cs: CodeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/cs/eksempel', version: '1', status: 'active', content: 'example', concept: [{ code: 'a' }] };
    const res = await post('CodeSystem/$validate-code', [{ name: 'tx-resource', resource: cs }, { name: 'url', valueUri: cs.url }, { name: 'code', valueCode: 'zz' }]).expect(200);
    expect(value(res.body, 'result')).toBe(true);
    const issue = (all(res.body, 'issues')[0]?.resource as OperationOutcome).issue[0]!;
    expect(issue).toMatchObject({ severity: 'warning', code: 'code-invalid', details: { text:
      "Unknown Code 'zz' in the CodeSystem 'http://example.org/cs/eksempel' version '1' - note that the code system is labeled as an example (content = example), so the code may be valid in the full code system" } });
    expect(issue.details?.text).not.toContain('fragment');
    const fragment = await post('CodeSystem/$validate-code', [{ name: 'tx-resource', resource: { ...cs, content: 'fragment' } as CodeSystem }, { name: 'url', valueUri: cs.url }, { name: 'code', valueCode: 'zz' }]).expect(200);
    expect((all(fragment.body, 'issues')[0]?.resource as OperationOutcome).issue[0]?.details?.text).toContain('note that the code system is labeled as a fragment, so the code may be valid in some other fragment');
  });

  it('says whose supplement it is when useSupplement names a supplement of another code system', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: FFB, code: 'x', useSupplement: FSIII_STATUS }).expect(404);
    expect(res.body.issue[0].details.text).toBe(
      `The supplement '${FSIII_STATUS}' supplements the code system '${FSIII}|20240530', not '${FFB}|20240530'`);
  });

  it('warns about a legacy key and names the UUID code', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: FSIII, code: 'H1.1' }).expect(200);
    expect(value(res.body, 'message')).toContain('17312894-b23f-43d9-9723-b725ac25d872');
  });

  it("warns about a catalog's legacy key also in a request bringing resources of its own, and about a legacy key of a map the request brings", async () => {
    const unrelated: ValueSet = { resourceType: 'ValueSet', url: 'http://example.org/vs/any', status: 'active', compose: { include: [{ system: FFB }] } };
    const withOwn = await post('CodeSystem/$validate-code', [{ name: 'url', valueUri: FSIII }, { name: 'code', valueCode: 'H1.1' }, { name: 'tx-resource', resource: unrelated }]).expect(200);
    expect(value(withOwn.body, 'message')).toContain('17312894-b23f-43d9-9723-b725ac25d872');
    const cs: CodeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/cs/keys', version: '1', status: 'active', content: 'complete', concept: [{ code: 'K1' }, { code: 'u-1', display: 'Ny' }] };
    const keys: ConceptMap = {
      resourceType: 'ConceptMap', url: 'http://example.org/cm/keys', status: 'active',
      extension: [{ url: 'http://faelles-tx.dk/fhir/StructureDefinition/legacy-code-map', valueBoolean: true }],
      group: [{ source: cs.url, target: cs.url, element: [{ code: 'K1', target: [{ code: 'u-1', display: 'Ny', equivalence: 'equivalent' }] }] }],
    };
    const check = (resources: Resource[]) => post('CodeSystem/$validate-code', [
      { name: 'url', valueUri: cs.url }, { name: 'code', valueCode: 'K1' }, ...resources.map((resource) => ({ name: 'tx-resource', resource })),
    ]).expect(200);
    expect(value((await check([cs, keys])).body, 'message')).toContain('u-1');
    expect(value((await check([cs])).body, 'message')).toBeUndefined();
    // the catalogs' own legacy keys still apply beside the request's map
    const both = await post('CodeSystem/$validate-code', [{ name: 'url', valueUri: FSIII }, { name: 'code', valueCode: 'H1.1' }, { name: 'tx-resource', resource: keys }]).expect(200);
    expect(value(both.body, 'message')).toContain('17312894-b23f-43d9-9723-b725ac25d872');
  });

  it('answers a Coding without a system as invalid with a warning (a result, not a 400); a bare code still needs a system', async () => {
    const res = await post('CodeSystem/$validate-code', [{ name: 'coding', valueCoding: { code: AFKLARENDE } }]).expect(200);
    expect(value(res.body, 'result')).toBe(false);
    const issue = (value(res.body, 'issues') as OperationOutcome).issue[0]!;
    expect(issue).toMatchObject({ severity: 'warning', code: 'invalid', expression: ['Coding'] });
    expect(issue.location).toBeUndefined();
    expect(value(res.body, 'message')).toMatch(/^Coding has no system/);
    await request(app).get('/fhir/CodeSystem/$validate-code').query({ code: AFKLARENDE }).expect(400);
  });

  it('reads the version from url|version, as from version', async () => {
    const { body: known } = await request(app).get('/fhir/CodeSystem').query({ url: FSIII }).expect(200);
    const current = known.entry[0].resource.version as string;
    const res = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: `${FSIII}|${current}`, code: AFKLARENDE }).expect(200);
    expect(value(res.body, 'result')).toBe(true);
    expect(value(res.body, 'system')).toBe(FSIII);
    expect(value(res.body, 'version')).toBe(current);
    const unknown = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: `${FSIII}|1999`, code: AFKLARENDE }).expect(200);
    expect(value(unknown.body, 'result')).toBe(false);
    expect(value(unknown.body, 'version')).toBe('1999');
    expect(value(unknown.body, 'message')).toContain(`Valid versions: ${current}`);
  });

  it('places an unknown code system by its expression only, without the deprecated location', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: 'http://example.org/unknown', code: 'x' }).expect(200);
    expect(value(res.body, 'result')).toBe(false);
    const issue = (value(res.body, 'issues') as OperationOutcome).issue[0]!;
    expect(issue).toMatchObject({ code: 'not-found', expression: ['system'] });
    expect(issue.location).toBeUndefined();
  });
});

describe('a version named at instance level', () => {
  it('is the instance when it is its version, and a 404 naming the parameter when its url has no such version', async () => {
    const { body: vs } = await request(app).get('/fhir/ValueSet').query({ url: CATALOG_119 }).expect(200);
    const { id, version } = vs.entry[0].resource as { id: string; version: string };
    const expanded = await request(app).get(`/fhir/ValueSet/${id}/$expand`).query({ valueSetVersion: version, count: 1 }).expect(200);
    expect(expanded.body.version).toBe(version);
    const valid = await request(app).get(`/fhir/ValueSet/${id}/$validate-code`).query({ valueSetVersion: version, system: FSIII, code: AFKLARENDE }).expect(200);
    expect(value(valid.body, 'result')).toBe(true);
    for (const op of ['$expand', '$validate-code']) {
      const res = await request(app).get(`/fhir/ValueSet/${id}/${op}`).query({ valueSetVersion: '9.9.9', system: FSIII, code: AFKLARENDE }).expect(404);
      expect(res.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['valueSetVersion'] });
      expect(res.body.issue[0].details.text).toContain(`version '9.9.9' could not be found (ValueSet/${id} is version '${version}')`);
    }
  });

  it('takes url|version as the version when url is the instance\'s own, and refuses another url with a 400', async () => {
    const { body: vs } = await request(app).get('/fhir/ValueSet').query({ url: CATALOG_119 }).expect(200);
    const { id, version } = vs.entry[0].resource as { id: string; version: string };
    await request(app).get(`/fhir/ValueSet/${id}/$expand`).query({ url: `${CATALOG_119}|${version}`, count: 1 }).expect(200);
    await request(app).get(`/fhir/ValueSet/${id}/$expand`).query({ url: `${CATALOG_119}|9.9.9`, count: 1 }).expect(404);
    for (const op of ['$expand', '$validate-code']) {
      const res = await request(app).get(`/fhir/ValueSet/${id}/${op}`).query({ url: 'http://example.org/other', system: FSIII, code: AFKLARENDE }).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
      expect(res.body.issue[0].details.text).toContain(`ValueSet/${id} has the url '${CATALOG_119}'`);
    }
  });

  it('CodeSystem/{id}/$validate-code checks against the version asked for, as at type level; $lookup and it refuse another url', async () => {
    const { body: cs } = await request(app).get('/fhir/CodeSystem').query({ url: FSIII }).expect(200);
    const { id, version } = cs.entry[0].resource as { id: string; version: string };
    const same = await request(app).get(`/fhir/CodeSystem/${id}/$validate-code`).query({ version, code: AFKLARENDE }).expect(200);
    expect(value(same.body, 'result')).toBe(true);
    const other = await request(app).get(`/fhir/CodeSystem/${id}/$validate-code`).query({ version: '1999', code: AFKLARENDE }).expect(200);
    expect(value(other.body, 'result')).toBe(false);
    expect(value(other.body, 'message')).toBe(`A definition for CodeSystem '${FSIII}' version '1999' could not be found, so the code cannot be validated. Valid versions: ${version}`);
    const byUrl = await request(app).get(`/fhir/CodeSystem/${id}/$validate-code`).query({ url: `${FSIII}|1999`, code: AFKLARENDE }).expect(200);
    expect(value(byUrl.body, 'message')).toBe(value(other.body, 'message'));
    const elsewhere = await request(app).get(`/fhir/CodeSystem/${id}/$validate-code`).query({ url: 'http://example.org/other', code: AFKLARENDE }).expect(400);
    expect(elsewhere.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
    const lookupElsewhere = await request(app).get(`/fhir/CodeSystem/${id}/$lookup`).query({ system: 'http://example.org/other', code: AFKLARENDE }).expect(400);
    expect(lookupElsewhere.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['system'] });
    await request(app).get(`/fhir/CodeSystem/${id}/$lookup`).query({ system: FSIII, code: AFKLARENDE }).expect(200);
  });
});

describe('the code to validate, given one way', () => {
  const GENDER = 'http://hl7.org/fhir/administrative-gender';
  const GENDER_VS = 'http://hl7.org/fhir/ValueSet/administrative-gender';
  const refusal = (res: { body: OperationOutcome }) => [res.body.resourceType, res.body.issue[0]!.code, res.body.issue[0]!.details?.text];

  it('is a 400 when code and coding are both given (by GET and by POST), in Danish to a Danish caller, not the coding validated', async () => {
    const cs = await request(app).get('/fhir/CodeSystem/$validate-code').set('Accept-Language', 'da')
      .query({ url: GENDER, coding: `${GENDER}|male`, code: 'NOT-A-CODE' }).expect(400);
    expect(refusal(cs)).toEqual(['OperationOutcome', 'invalid', "Giv enten 'code' eller 'coding', ikke begge"]);
    const vs = await request(app).get('/fhir/ValueSet/$validate-code')
      .query({ url: GENDER_VS, coding: `${GENDER}|male`, system: GENDER, code: 'NOT-A-CODE' }).expect(400);
    expect(refusal(vs)).toEqual(['OperationOutcome', 'invalid', "Use either 'code' or 'coding', not both"]);
    const posted = await post('ValueSet/$validate-code', [
      { name: 'url', valueUri: GENDER_VS }, { name: 'system', valueUri: GENDER }, { name: 'code', valueCode: 'NOT-A-CODE' },
      { name: 'coding', valueCoding: { system: GENDER, code: 'male' } },
    ]).expect(400);
    expect(posted.body.issue[0].expression).toEqual(['code', 'coding']);
  });

  it('takes `system` beside a coding when it names the coding\'s system, and is a 400 when it names another, as $lookup', async () => {
    const coding = { name: 'coding', valueCoding: { system: GENDER, code: 'male' } };
    const same = await post('ValueSet/$validate-code', [{ name: 'url', valueUri: GENDER_VS }, coding, { name: 'system', valueUri: GENDER }]).expect(200);
    expect(same.body.parameter.find((p: { name: string }) => p.name === 'result').valueBoolean).toBe(true);
    const other = await post('ValueSet/$validate-code', [{ name: 'url', valueUri: GENDER_VS }, coding, { name: 'system', valueUri: 'http://example.org/other' }]).expect(400);
    expect(refusal(other)).toEqual(['OperationOutcome', 'invalid', `'system' is 'http://example.org/other' and 'coding.system' is '${GENDER}': give one of them, or the same in both`]);
  });

  it('is a 400 for a coding and a codeableConcept, and for all three, even when they name the same code', async () => {
    const cc = { coding: [{ system: GENDER, code: 'male' }] };
    const two = await post('CodeSystem/$validate-code', [
      { name: 'url', valueUri: GENDER }, { name: 'coding', valueCoding: { system: GENDER, code: 'NOT-A-CODE' } }, { name: 'codeableConcept', valueCodeableConcept: cc },
    ]).expect(400);
    expect(refusal(two)).toEqual(['OperationOutcome', 'invalid', "Use either 'coding' or 'codeableConcept', not both"]);
    const three = await post('ValueSet/$validate-code', [
      { name: 'url', valueUri: GENDER_VS }, { name: 'system', valueUri: GENDER }, { name: 'code', valueCode: 'male' },
      { name: 'coding', valueCoding: { system: GENDER, code: 'male' } }, { name: 'codeableConcept', valueCodeableConcept: cc },
    ]).set('Accept-Language', 'da').expect(400);
    expect(refusal(three)).toEqual(['OperationOutcome', 'invalid', "Giv kun én af 'code', 'coding' og 'codeableConcept'"]);
    // each alone is validated
    await post('ValueSet/$validate-code', [{ name: 'url', valueUri: GENDER_VS }, { name: 'codeableConcept', valueCodeableConcept: cc }]).expect(200);
  });

  it('in a batch, is the refusal of the validation that gives two, the others validated', async () => {
    const entry = (parameter: ParametersParameter[]) => ({ name: 'validation', resource: { resourceType: 'Parameters', parameter } as Parameters });
    const res = await post('ValueSet/$batch-validate-code', [
      { name: 'url', valueUri: GENDER_VS },
      entry([{ name: 'coding', valueCoding: { system: GENDER, code: 'male' } }]),
      entry([{ name: 'coding', valueCoding: { system: GENDER, code: 'male' } }, { name: 'system', valueUri: GENDER }, { name: 'code', valueCode: 'NOT-A-CODE' }]),
      entry([{ name: 'system', valueUri: GENDER }, { name: 'code', valueCode: 'NOT-A-CODE' }]),
    ]).set('Accept-Language', 'da').expect(200);
    const answers = all(res.body, 'validation').map((p) => p.resource as Parameters | OperationOutcome);
    expect(answers.map((a) => (a.resourceType === 'Parameters' ? value(a, 'result') : (a as OperationOutcome).issue[0]!.details?.text)))
      .toEqual([true, "Giv enten 'code' eller 'coding', ikke begge", false]);
    const batch = await request(app).post('/fhir').type('application/fhir+json').send({
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: `ValueSet/$validate-code?url=${GENDER_VS}&system=${GENDER}&code=NOT-A-CODE&coding=${GENDER}|male` } },
        { request: { method: 'GET', url: `ValueSet/$validate-code?url=${GENDER_VS}&coding=${GENDER}|male` } },
      ],
    }).expect(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['400 Bad Request', '200 OK']);
    expect(batch.body.entry[0].response.outcome.issue[0].details.text).toBe("Use either 'code' or 'coding', not both");
  });
});

describe('ValueSet/$batch-validate-code', () => {
  it('validates each entry with the shared parameters, and reports a bad entry without failing the batch', async () => {
    const res = await post('ValueSet/$batch-validate-code', [
      { name: 'url', valueUri: CATALOG_119 },
      { name: 'lenient-display-validation', valueBoolean: true },
      { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: AFKLARENDE, display: 'x' } }] } as Parameters },
      {
        name: 'validation', resource: {
          resourceType: 'Parameters',
          parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: AFKLARENDE, display: 'x' } }, { name: 'lenient-display-validation', valueBoolean: false }],
        } as Parameters,
      },
      { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'codingX', valueCoding: { system: FSIII, code: AFKLARENDE } }] } as Parameters },
    ]).expect(200);
    const results = all(res.body, 'validation').map((p) => p.resource as Parameters | OperationOutcome);
    expect(results).toHaveLength(3);
    expect(value(results[0] as Parameters, 'result')).toBe(true);
    expect(value(results[1] as Parameters, 'result')).toBe(false);
    expect(results[2]!.resourceType).toBe('OperationOutcome');
    expect((results[2] as OperationOutcome).issue[0]!.severity).toBe('error');
  });

  it('needs entries', async () => {
    await post('ValueSet/$batch-validate-code', [{ name: 'url', valueUri: CATALOG_119 }]).expect(400);
  });

  it("names the entry's own parameter where an entry is wrong, not its place among the request-level ones", async () => {
    const entry = (parameter: ParametersParameter[]) => ({ name: 'validation', resource: { resourceType: 'Parameters', parameter } as Parameters });
    const res = await post('ValueSet/$batch-validate-code', [
      { name: 'url', valueUri: CATALOG_119 },
      { name: 'lenient-display-validation', valueBoolean: true },
      entry([{ name: 'code', valueInteger: 5 } as ParametersParameter]),
      entry([{ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: AFKLARENDE }, { name: 'display', valueBoolean: true } as unknown as ParametersParameter]),
    ]).expect(200);
    const outcomes = all(res.body, 'validation').map((p) => p.resource as OperationOutcome);
    expect(outcomes.map((o) => [o.resourceType, o.issue[0]!.expression])).toEqual([
      ['OperationOutcome', ['Parameters.parameter[0]']],
      ['OperationOutcome', ['Parameters.parameter[2]']],
    ]);
  });
});

describe('CodeSystem/$lookup', () => {
  it('returns the display as a Danish designation and names the supplements used', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: RETIRED }).expect(200);
    const designations = all(res.body, 'designation').map((d) => d.part ?? []);
    expect(designations.some((parts) => value(parts, 'language') === 'da' && value(parts, 'value') === 'Tobaksafvænning')).toBe(true);
    expect(all(res.body, 'used-supplement').map((p) => p.valueCanonical)).toContain(FSIII_STATUS);
    const properties = all(res.body, 'property').map((p) => p.part ?? []);
    expect(properties.some((parts) => value(parts, 'code') === 'inactive' && value(parts, 'value') === true)).toBe(true);
  });

  it('says that a supplement given as the system is a supplement, as $validate-code does', async () => {
    const supplement = 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status';
    const res = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: supplement, code: AFKLARENDE }).expect(400);
    expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['system'],
      details: { text: `CodeSystem ${FSIII_STATUS} is a supplement, so can't be used as a value in Coding.system` } });
    const validated = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: supplement, code: AFKLARENDE }).expect(200);
    expect(value(validated.body, 'message')).toBe(res.body.issue[0].details.text);
  });

  it('says whose supplement it is when useSupplement names a supplement of another code system', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FFB, code: 'x', useSupplement: FSIII_STATUS }).expect(404);
    expect(res.body.issue[0].details.text).toBe(
      `The supplement '${FSIII_STATUS}' supplements the code system '${FSIII}|20240530', not '${FFB}|20240530'`);
  });

  it('refuses a supplement that does not exist', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: AFKLARENDE, useSupplement: 'http://example.org/none' }).expect(404);
    expect(res.body.issue[0].details.text).toBe('Required supplement not found: http://example.org/none');
  });
});

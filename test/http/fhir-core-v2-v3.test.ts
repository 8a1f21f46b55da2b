/**
 * The HL7 v2 tables and v3 code systems HL7 publishes with the FHIR R4 definitions, which the core value sets use
 * (marital-status takes v3-MaritalStatus, identifier-type v2-0203): they resolve by canonical as the core code
 * systems do, through supertest and through fhir-kit-client.
 */
import type { Parameters, TerminologyCapabilities, ValueSet } from 'fhir/r4';
import request from 'supertest';
import { asParameters, parametersOf, validationIssues, valueNamed } from '../support/parameters';
import { useRunningServer } from '../support/server';

/** marital-status in R4: all of v3-MaritalStatus, and UNK of v3-NullFlavor. */
const MARITAL_STATUS = 'http://hl7.org/fhir/ValueSet/marital-status';
const V3_MARITAL_STATUS = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus';
const V3_NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
const MARITAL_CODES = ['A', 'D', 'I', 'L', 'M', 'P', 'S', 'T', 'U', 'UNK', 'W'];

/** identifier-type in R4: these codes of the v2 table 0203. */
const IDENTIFIER_TYPE = 'http://hl7.org/fhir/ValueSet/identifier-type';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const IDENTIFIER_TYPES = ['DL', 'PPN', 'BRN', 'MR', 'MCN', 'EN', 'TAX', 'NIIP', 'PRN', 'MD', 'DR', 'ACSN', 'UDI', 'SNO', 'SB', 'PLAC', 'FILL', 'JHN'];

const server = useRunningServer();

const codesOf = (vs: ValueSet) => (vs.expansion?.contains ?? []).map((c) => c.code);

describe('v2 and v3 code systems of the FHIR R4 core, through HTTP', () => {
  it('expands marital-status from v3-MaritalStatus and v3-NullFlavor, naming the versions used', async () => {
    const vs = (await request(server.app).get('/fhir/ValueSet/$expand').query({ url: MARITAL_STATUS }).expect(200)).body as ValueSet;
    expect(codesOf(vs).sort()).toEqual(MARITAL_CODES);
    expect(vs.expansion?.total).toBe(MARITAL_CODES.length);
    expect(vs.expansion?.contains).toContainEqual({ system: V3_MARITAL_STATUS, code: 'M', display: 'Married' });
    expect(vs.expansion?.contains).toContainEqual(expect.objectContaining({ system: V3_NULL_FLAVOR, code: 'UNK' }));
    expect(vs.expansion?.parameter).toEqual(expect.arrayContaining([
      { name: 'used-codesystem', valueUri: `${V3_MARITAL_STATUS}|2018-08-12` },
      { name: 'used-codesystem', valueUri: `${V3_NULL_FLAVOR}|2018-08-12` },
    ]));
  });

  it('expands identifier-type from the v2 table 0203', async () => {
    const vs = (await request(server.app).get('/fhir/ValueSet/$expand').query({ url: IDENTIFIER_TYPE }).expect(200)).body as ValueSet;
    expect(codesOf(vs).sort()).toEqual([...IDENTIFIER_TYPES].sort());
    expect(vs.expansion?.contains).toContainEqual({ system: V2_0203, code: 'MR', display: 'Medical record number' });
    expect(vs.expansion?.parameter).toContainEqual({ name: 'used-codesystem', valueUri: `${V2_0203}|2.9` });
  });

  it('validates a v2-0203 code through identifier-type, and tells one of the table the value set does not take, in Danish', async () => {
    const mr = asParameters((await request(server.app).get('/fhir/ValueSet/$validate-code')
      .query({ url: IDENTIFIER_TYPE, system: V2_0203, code: 'MR' }).expect(200)).body);
    expect(valueNamed(mr, 'result')).toBe(true);
    expect(valueNamed(mr, 'display')).toBe('Medical record number');
    expect(valueNamed(mr, 'version')).toBe('2.9');
    expect(validationIssues(mr)).toEqual([]);
    // BA (bank account number) is a code of the table, but not of the value set
    const ba = asParameters((await request(server.app).post('/fhir/ValueSet/$validate-code').set({ 'Content-Type': 'application/fhir+json', 'Accept-Language': 'da' })
      .send(JSON.stringify(parametersOf({ name: 'url', valueUri: IDENTIFIER_TYPE }, { name: 'coding', valueCoding: { system: V2_0203, code: 'BA' } })))
      .expect(200)).body);
    expect(valueNamed(ba, 'result')).toBe(false);
    expect(valueNamed(ba, 'display')).toBe('Bank Account Number');
    expect(valueNamed(ba, 'message')).toBe(`Koden '${V2_0203}#BA' findes ikke i værdisættet '${IDENTIFIER_TYPE}|4.0.1'`);
  });

  it('looks a v3 code up', async () => {
    const res = asParameters((await request(server.app).get('/fhir/CodeSystem/$lookup').query({ system: V3_MARITAL_STATUS, code: 'W' }).expect(200)).body);
    expect(valueNamed(res, 'name')).toBe('v3.MaritalStatus');
    expect(valueNamed(res, 'version')).toBe('2018-08-12');
    expect(valueNamed(res, 'display')).toBe('Widowed');
    expect(valueNamed(res, 'definition')).toBe('The spouse has died');
  });
});

describe('v2 and v3 code systems of the FHIR R4 core, through fhir-kit-client', () => {
  const op = async (name: string, resourceType: 'CodeSystem' | 'ValueSet', method: 'GET' | 'POST', input: Record<string, string> | Parameters) =>
    (await server.client.operation({ name, resourceType, method, input: input as never })) as unknown;

  it('expands marital-status (GET) and identifier-type (POST)', async () => {
    expect(codesOf(await op('expand', 'ValueSet', 'GET', { url: MARITAL_STATUS }) as ValueSet).sort()).toEqual(MARITAL_CODES);
    const posted = await op('expand', 'ValueSet', 'POST', parametersOf({ name: 'url', valueUri: IDENTIFIER_TYPE })) as ValueSet;
    expect(codesOf(posted).sort()).toEqual([...IDENTIFIER_TYPES].sort());
  });

  it('validates a v2-0203 code through identifier-type (GET and POST)', async () => {
    const get = asParameters(await op('validate-code', 'ValueSet', 'GET', { url: IDENTIFIER_TYPE, system: V2_0203, code: 'PPN' }));
    expect([valueNamed(get, 'result'), valueNamed(get, 'display')]).toEqual([true, 'Passport number']);
    const post = asParameters(await op('validate-code', 'ValueSet', 'POST', parametersOf(
      { name: 'url', valueUri: IDENTIFIER_TYPE }, { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: V2_0203, code: 'MR' }] } },
    )));
    expect(valueNamed(post, 'result')).toBe(true);
  });

  it('looks a v3 code up (GET and POST)', async () => {
    const get = asParameters(await op('lookup', 'CodeSystem', 'GET', { system: V3_MARITAL_STATUS, code: 'M' }));
    expect([valueNamed(get, 'display'), valueNamed(get, 'version')]).toEqual(['Married', '2018-08-12']);
    const post = asParameters(await op('lookup', 'CodeSystem', 'POST', parametersOf({ name: 'coding', valueCoding: { system: V3_MARITAL_STATUS, code: 'D' } })));
    expect(valueNamed(post, 'display')).toBe('Divorced');
  });

  it('lists them in the terminology capabilities with the FHIR core code systems', async () => {
    const tc = (await server.client.request('metadata?mode=terminology')) as unknown as TerminologyCapabilities;
    const listed = new Map((tc.codeSystem ?? []).map((c) => [c.uri, (c.version ?? []).map((v) => v.code)]));
    expect(listed.get(V3_MARITAL_STATUS)).toEqual(['2018-08-12']);
    expect(listed.get(V2_0203)).toEqual(['2.9']);
    expect(listed.has('http://hl7.org/fhir/administrative-gender')).toBe(true);
  });
});

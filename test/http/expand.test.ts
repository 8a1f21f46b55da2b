import type { Parameters, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FFB, FSIII, testApp } from '../support/app';

const CARE_PLAN_CATEGORIES = 'http://fhir.kl.dk/term/ValueSet/KLCarePlanCategoryCodes';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const FHIR_JSON = 'application/fhir+json';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (body: Parameters, headers: Record<string, string> = {}) =>
  request(app).post('/fhir/ValueSet/$expand').set({ 'Content-Type': FHIR_JSON, ...headers }).send(JSON.stringify(body));
const params = (...parameter: NonNullable<Parameters['parameter']>): Parameters => ({ resourceType: 'Parameters', parameter });
const inlineValueSet = (compose: unknown) => ({ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose } as ValueSet });
const flatten = (c: ValueSetExpansionContains[] | undefined): ValueSetExpansionContains[] => (c ?? []).flatMap((x) => [x, ...flatten(x.contains)]);

describe('GET and POST $expand', () => {
  it('expands a published KL value set defined by one descendent-of filter as a tree', async () => {
    const res = await request(app).get('/fhir/ValueSet/$expand').query({ url: CARE_PLAN_CATEGORIES }).expect(200);
    const vs = res.body as ValueSet;
    const all = flatten(vs.expansion?.contains);
    expect(vs.expansion?.total).toBe(all.length);
    expect(vs.expansion?.contains?.some((c) => (c.contains?.length ?? 0) > 0)).toBe(true);
    const flat = await request(app).get('/fhir/ValueSet/$expand').query({ url: CARE_PLAN_CATEGORIES, excludeNested: 'true' }).expect(200);
    expect((flat.body as ValueSet).expansion?.contains?.map((c) => c.code).sort()).toEqual(all.map((c) => c.code).sort());
    expect((flat.body as ValueSet).expansion?.parameter).toContainEqual({ name: 'excludeNested', valueBoolean: true });
  });

  it('pages the 119 catalog with offset and count and echoes them', async () => {
    const res = await request(app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, offset: '2', count: '3' }).expect(200);
    const exp = (res.body as ValueSet).expansion!;
    expect(exp.contains).toHaveLength(3);
    expect(exp.offset).toBe(2);
    expect(exp.total).toBeGreaterThan(5);
    expect(exp.parameter).toEqual(expect.arrayContaining([{ name: 'offset', valueInteger: 2 }, { name: 'count', valueInteger: 3 }]));
  });

  it('answers a negative count with a 400 OperationOutcome', async () => {
    const res = await request(app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, count: '-1' }).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('returns requested properties as the R5 property extensions an R4 client reads', async () => {
    const res = await post(params({ name: 'url', valueUri: CATALOG_119 }, { name: 'property', valueString: 'beskrivelse' })).expect(200);
    const exp = (res.body as ValueSet).expansion!;
    expect(exp.extension?.map((e) => e.url)).toContain('http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property');
    const withProperty = exp.contains?.filter((c) => c.extension?.some((e) =>
      e.url === 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property'
      && e.extension?.some((x) => x.url === 'code' && x.valueCode === 'beskrivelse')));
    expect(withProperty?.length).toBeGreaterThan(0);
  });

  it('expands an inline FFB value set with a regex filter', async () => {
    const res = await post(params(inlineValueSet({ include: [{ system: FFB, filter: [{ property: 'display', op: 'regex', value: 'Social.*' }] }] }))).expect(200);
    const all = flatten((res.body as ValueSet).expansion?.contains);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((c) => c.display?.startsWith('Social'))).toBe(true);
  });

  it('answers a catastrophic regex quickly', async () => {
    const started = Date.now();
    await post(params(inlineValueSet({ include: [{ system: FSIII, filter: [{ property: 'definition', op: 'regex', value: '((a+)+)+b' }] }] }))).expect(200);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers a malformed inline value set with a 400, not a 500', async () => {
    for (const compose of ['x', { include: 'x' }, { include: [{ system: FSIII, version: 7 }] }, { include: [{ valueSet: [5] }] }, { include: [{}] }]) {
      const res = await post(params(inlineValueSet(compose)));
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('echoes the display language asked for by Accept-Language', async () => {
    const res = await request(app).get('/fhir/ValueSet/$expand').set('Accept-Language', 'da').query({ url: CATALOG_119, count: '1' }).expect(200);
    expect((res.body as ValueSet).expansion?.parameter).toContainEqual({ name: 'displayLanguage', valueCode: 'da' });
    expect((res.body as ValueSet).expansion?.contains?.[0]?.display).toBeDefined();
  });

  it('lets a client lower, but not raise, the too-costly threshold', async () => {
    const whole = params(inlineValueSet({ include: [{ system: FSIII }] }));
    const res = await post(whole, { 'X-Too-Costly-Threshold': '100' }).expect(422);
    expect(res.body.issue[0].code).toBe('too-costly');
    await post(whole, { 'X-Too-Costly-Threshold': '100000000' }).expect(200);
  });

  it('expands a FHIR core value set', async () => {
    const res = await request(app).get('/fhir/ValueSet/$expand').query({ url: 'http://hl7.org/fhir/ValueSet/administrative-gender' }).expect(200);
    expect((res.body as ValueSet).expansion?.contains?.map((c) => c.code).sort()).toEqual(['female', 'male', 'other', 'unknown']);
  });
});

describe('server metadata', () => {
  it('answers $versions with the FHIR version it speaks', async () => {
    const res = await request(app).get('/fhir/$versions').expect(200);
    expect(res.body).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'version', valueCode: '4.0' }, { name: 'default', valueCode: '4.0' }] });
  });

  it('lists $versions as a system operation and hierarchical expansion in the terminology capabilities', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body;
    expect(cs.rest[0].operation.map((o: { name: string }) => o.name)).toContain('versions');
    const tc = (await request(app).get('/fhir/metadata').query({ mode: 'terminology' }).expect(200)).body;
    expect(tc.expansion.hierarchical).toBe(true);
    expect(tc.expansion.parameter.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['property', 'excludeNested', 'count', 'offset']));
  });
});

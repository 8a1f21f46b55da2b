/**
 * A municipality's supplement of its own catalog (content supplement): it adds designations and properties to the
 * catalog, so the local-catalog rules (a display and a type for every code) are not asked of it, while ownership is;
 * `useSupplement` applies it, and it counts nowhere a catalog counts (coverage, pick lists).
 */
import type { CodeSystem, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import type { App } from '../../src/app';
import { KOMMUNEKODE_SYSTEM, municipalUrl } from '../../src/municipal/municipality';
import { inEnglish } from '../support/english';
import { testApp } from '../support/app';
import { sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const KOMMUNE = '157';
const { codeSystem: catalog, conceptMap } = sampleCatalog(KOMMUNE);
const SUPPLEMENT_URL = municipalUrl(KOMMUNE, 'CodeSystem', 'tysk');
const PICK_LIST = municipalUrl(KOMMUNE, 'ValueSet', 'lokalt-katalog');

let app: App;
let token: string;

/** 157's supplement of its catalog: a German designation and a property of its own, no display, no type. */
function germanSupplement(overrides: Partial<CodeSystem> = {}): CodeSystem {
  return {
    resourceType: 'CodeSystem', id: 'kommune-157-tysk', url: SUPPLEMENT_URL, version: '1', status: 'active',
    identifier: [{ system: KOMMUNEKODE_SYSTEM, value: KOMMUNE }],
    content: 'supplement', supplements: catalog.url,
    property: [{ code: 'extra', type: 'string' }],
    concept: [{ code: '157-BOLD', designation: [{ language: 'de', value: 'Ballspiel' }], property: [{ code: 'extra', valueString: 'aus der Ergänzung' }] }],
    ...overrides,
  };
}

const put = (resource: CodeSystem | object & { resourceType: string; id?: string }) =>
  inEnglish(app).put(`/fhir/${resource.resourceType}/${resource.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(resource);
const value = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);
const summaryOf = (p: Parameters) => Object.fromEntries(value(p, 'summary')!.part!.map((x) => [x.name, x.valueInteger]));
const coverage = async () => (await inEnglish(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: KOMMUNE }).expect(200)).body as Parameters;
const pickList = async () => (await inEnglish(app).get('/fhir/ValueSet/$expand').query({ url: PICK_LIST }).expect(200)).body as ValueSet;

beforeAll(async () => {
  app = await testApp();
  token = await tokenFor({ kommunekode: KOMMUNE });
  await put(catalog).expect(201);
  await put(conceptMap).expect(201);
});

describe("a municipality's supplement of its own catalog", () => {
  let coverageBefore: Parameters;
  let pickListBefore: ValueSet;

  beforeAll(async () => {
    coverageBefore = await coverage();
    pickListBefore = await pickList();
    await put(germanSupplement()).expect(201);
  });

  it('is written although its concepts have no display and no type', async () => {
    const read = await inEnglish(app).get('/fhir/CodeSystem/kommune-157-tysk').expect(200);
    expect(read.body).toMatchObject({ content: 'supplement', supplements: catalog.url });
  });

  it('gives $lookup its designation and property when named in useSupplement', async () => {
    const res = await inEnglish(app).get('/fhir/CodeSystem/$lookup')
      .query({ system: catalog.url, code: '157-BOLD', useSupplement: SUPPLEMENT_URL, displayLanguage: 'de', property: 'extra' }).expect(200);
    const body = res.body as Parameters;
    expect(value(body, 'display')?.valueString).toBe('Ballspiel');
    const extra = body.parameter!.find((p) => p.name === 'property' && p.part?.some((x: ParametersParameter) => x.valueCode === 'extra'));
    expect(extra?.part?.find((x) => x.name === 'value')?.valueString).toBe('aus der Ergänzung');
  });

  it('gives $expand and $validate-code its designation when named in useSupplement', async () => {
    const expanded = (await inEnglish(app).get('/fhir/ValueSet/$expand')
      .query({ url: PICK_LIST, useSupplement: SUPPLEMENT_URL, displayLanguage: 'de' }).expect(200)).body as ValueSet;
    expect(expanded.expansion!.contains!.find((c) => c.code === '157-BOLD')?.display).toBe('Ballspiel');
    const validated = (await inEnglish(app).get('/fhir/CodeSystem/$validate-code')
      .query({ url: catalog.url, code: '157-BOLD', display: 'Ballspiel', displayLanguage: 'de', useSupplement: SUPPLEMENT_URL }).expect(200)).body as Parameters;
    expect(value(validated, 'result')?.valueBoolean).toBe(true);
  });

  it('is no catalog: coverage and the pick lists are as before it was written', async () => {
    expect(summaryOf(await coverage())).toEqual(summaryOf(coverageBefore));
    const codes = (vs: ValueSet) => vs.expansion!.contains!.map((c) => `${c.system}|${c.code}|${c.display}`);
    expect(codes(await pickList())).toEqual(codes(pickListBefore));
    expect(JSON.stringify(await coverage())).not.toContain(SUPPLEMENT_URL);
  });
});

describe("what a municipality's supplement is still held to", () => {
  it('needs the kommunekode identifier, as any resource of the municipality', async () => {
    const res = await put(germanSupplement({ id: 'kommune-157-uden-id', url: municipalUrl(KOMMUNE, 'CodeSystem', 'uden-id'), identifier: undefined })).expect(422);
    expect(res.body.issue[0]).toMatchObject({ expression: ['CodeSystem.identifier'] });
  });

  it('must name what it supplements', async () => {
    const res = await put(germanSupplement({ id: 'kommune-157-uden-maal', url: municipalUrl(KOMMUNE, 'CodeSystem', 'uden-maal'), supplements: undefined })).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'required', expression: ['CodeSystem.supplements'] });
  });

  it("supplements only the municipality's own catalogs", async () => {
    const res = await put(germanSupplement({ id: 'kommune-157-fremmed', url: municipalUrl(KOMMUNE, 'CodeSystem', 'fremmed'),
      supplements: municipalUrl('370', 'CodeSystem', 'lokale-indsatser') })).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.supplements'] });
  });
});

describe('what a supplement may hold (R4: designations and properties of the concepts of another code system)', () => {
  it('refuses a code the supplemented catalog does not have, nested or not, and a supplement of itself (422), nothing written', async () => {
    const unknown = await put(germanSupplement({ id: 'kommune-157-ukendt', url: municipalUrl(KOMMUNE, 'CodeSystem', 'ukendt'), concept: [{ code: 'NOPE-XYZ', designation: [{ language: 'de', value: 'Nein' }] }] })).expect(422);
    expect(unknown.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.concept[0].code'] });
    expect(unknown.body.issue[0].details.text).toContain("gives the code 'NOPE-XYZ', which");
    const nested = await put(germanSupplement({ id: 'kommune-157-barn', url: municipalUrl(KOMMUNE, 'CodeSystem', 'barn'), concept: [{ code: '157-BOLD', concept: [{ code: 'NEW-CHILD' }] }] })).expect(422);
    expect(nested.body.issue[0].expression).toEqual(['CodeSystem.concept[0].concept[0].code']);
    const self = municipalUrl(KOMMUNE, 'CodeSystem', 'sig-selv');
    const itself = await put(germanSupplement({ id: 'kommune-157-sig-selv', url: self, supplements: self })).expect(422);
    expect(itself.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.supplements'] });
    for (const id of ['kommune-157-ukendt', 'kommune-157-barn', 'kommune-157-sig-selv']) await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(404);
  });
});

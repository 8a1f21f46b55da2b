import type { Bundle, CodeSystem, ConceptMap, OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { inEnglish } from '../support/english';
import { testApp } from '../support/app';
import { sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const KILDE = 'http://faelles-tx.dk/fhir/StructureDefinition/kilde';
const INDSATSKATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';

let app: App;
let token: string;

beforeAll(async () => {
  app = await testApp();
  token = await tokenFor({ kommunekode: '165' });
});

const source = (reference: string) => ({ url: KILDE, valueReference: { reference } });
const transaction = (entry: object[], lang = 'en') =>
  request(app).post('/fhir').set('Authorization', `Bearer ${token}`).set('Accept-Language', lang).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry });
const post = (resource: object, extra: object = {}) => ({ resource, request: { method: 'POST', url: (resource as { resourceType: string }).resourceType }, ...extra });
const issues = (res: { body: unknown }) => (res.body as OperationOutcome).issue;
/** What a refused transaction leaves: none of its resources. */
async function nothingWritten(...urls: string[]): Promise<void> {
  for (const url of urls) {
    for (const type of ['CodeSystem', 'ConceptMap']) expect((await inEnglish(app).get(`/fhir/${type}`).query({ url }).expect(200)).body.total).toBe(0);
  }
}

describe('a temporary reference (urn:uuid, urn:oid) that names no entry', () => {
  it('refuses the transaction (400 naming where, in English and Danish) and writes nothing', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('165', 'loese-ender');
    const csUuid = 'urn:uuid:6a0c1b2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    const dangling = 'urn:uuid:bbbbbbbb-bbbb-4bbb-8bbb-000000000009';
    const entries = [
      post({ ...codeSystem, id: undefined }, { fullUrl: csUuid }),
      post({ ...conceptMap, id: undefined, extension: [source(csUuid)], group: [{ ...conceptMap.group![0]!, extension: [source('urn:oid:1.2.208.999.9')] }] }),
    ];
    const res = await transaction(entries).expect(400);
    expect(issues(res).map((i) => [i.code, i.expression])).toEqual([
      ['invalid', ['Bundle.entry[1].resource.group[0].extension[0].valueReference.reference']],
    ]);
    expect(issues(res)[0]!.details?.text).toBe("Bundle.entry[1].resource.group[0].extension[0].valueReference.reference: The reference 'urn:oid:1.2.208.999.9' is a temporary id (urn:uuid, urn:oid) that no entry of the transaction has as its fullUrl, so it cannot be resolved");

    entries[0] = post({ ...codeSystem, id: undefined, extension: [source(dangling)] }, { fullUrl: csUuid });
    const danish = await transaction(entries, 'da').expect(400);
    expect(issues(danish).map((i) => i.expression![0])).toEqual([
      'Bundle.entry[0].resource.extension[0].valueReference.reference',
      'Bundle.entry[1].resource.group[0].extension[0].valueReference.reference',
    ]);
    expect(issues(danish)[0]!.details?.text).toContain(`Referencen '${dangling}' er et midlertidigt id (urn:uuid, urn:oid), som ingen post i transaktionen har som fullUrl`);
    await nothingWritten(codeSystem.url!, conceptMap.url!);
  });

  it('in a contained resource is refused too', async () => {
    const { codeSystem } = sampleCatalog('165', 'indlejret');
    const contained = { resourceType: 'Provenance', id: 'p', target: [{ reference: 'urn:uuid:0f0f0f0f-0000-4000-8000-000000000001' }], recorded: '2026-01-01T00:00:00Z', agent: [{ who: { display: 'x' } }] };
    const res = await transaction([post({ ...codeSystem, contained: [contained] })]).expect(400);
    expect(issues(res)[0]!.expression).toEqual(['Bundle.entry[0].resource.contained[0].target[0].reference']);
    await nothingWritten(codeSystem.url!);
  });

  it('in a create or update on its own is refused (400): there are no entries it could name', async () => {
    const { codeSystem } = sampleCatalog('165', 'alene');
    const body = { ...codeSystem, extension: [source('urn:uuid:bbbbbbbb-bbbb-4bbb-8bbb-000000000009')] };
    const created = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(body).expect(400);
    expect(issues(created)[0]).toMatchObject({ code: 'invalid', expression: ['CodeSystem.extension[0].valueReference.reference'] });
    expect(issues(created)[0]!.details?.text).toMatch(/^The reference 'urn:uuid:bbbbbbbb-bbbb-4bbb-8bbb-000000000009' is a temporary id .* reference the resource as Type\/id$/);
    await inEnglish(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(body).expect(400);
    await nothingWritten(codeSystem.url!);
  });

  it('that an entry has as its fullUrl is still replaced with Type/id, a PUT entry\'s too', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('165', 'fundne');
    const [csUuid, cmUuid] = ['urn:uuid:1a0c1b2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d', 'urn:uuid:2a0c1b2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d'];
    await transaction([
      { fullUrl: csUuid, resource: { ...codeSystem, extension: [source(cmUuid)] }, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
      post({ ...conceptMap, id: undefined, extension: [source(csUuid)] }, { fullUrl: cmUuid }),
    ]).expect(200);
    expect(((await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200)).body as CodeSystem).extension![0]!.valueReference!.reference).toBe(`ConceptMap/${conceptMap.id}`);
    expect(((await inEnglish(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(200)).body as ConceptMap).extension![0]!.valueReference!.reference).toBe(`CodeSystem/${codeSystem.id}`);
  });
});

describe('a temporary reference in another case, or naming a delete', () => {
  it('is the same id in upper case (a URN\'s scheme and a uuid are case-insensitive): replaced, not stored as sent', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('165', 'store-bogstaver');
    const csUuid = 'urn:uuid:3a0c1b2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    await transaction([
      post({ ...codeSystem, id: undefined }, { fullUrl: csUuid }),
      post({ ...conceptMap, id: undefined, extension: [source(csUuid.toUpperCase())] }),
    ]).expect(200);
    const written = (await inEnglish(app).get('/fhir/ConceptMap').query({ url: conceptMap.url }).expect(200)).body as Bundle;
    expect((written.entry![0]!.resource as ConceptMap).extension![0]!.valueReference!.reference).toMatch(/^CodeSystem\/[A-Za-z0-9.-]+$/);
    const dangling = await transaction([post({ ...sampleCatalog('165', 'store-bogstaver-2').conceptMap, id: undefined, extension: [source('URN:UUID:BBBBBBBB-BBBB-4BBB-8BBB-000000000009')] })]).expect(400);
    expect(issues(dangling)[0]!.details?.text).toContain('no entry of the transaction has as its fullUrl');
  });

  it('names the entry that deletes its resource: the refusal says so', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('165', 'slettes');
    await inEnglish(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(codeSystem).expect(201);
    const gone = 'urn:uuid:4a0c1b2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    const res = await transaction([
      { fullUrl: gone, request: { method: 'DELETE', url: `CodeSystem/${codeSystem.id}` } },
      post({ ...conceptMap, id: undefined, extension: [source(gone)] }),
    ]).expect(400);
    expect(issues(res)[0]!.details?.text).toContain(`The reference '${gone}' names the entry of the transaction that deletes its resource`);
    await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200);
  });
});

describe('a conditional reference (Type?search) in a transaction', () => {
  it('is replaced with Type/id of the one resource the search finds', async () => {
    const published = (await inEnglish(app).get('/fhir/ValueSet').query({ url: INDSATSKATALOG_119 }).expect(200)).body as Bundle;
    expect(published.total).toBe(1);
    const { codeSystem, conceptMap } = sampleCatalog('165', 'betinget');
    await transaction([
      post({ ...codeSystem, extension: [source(`ValueSet?url=${INDSATSKATALOG_119}`)] }),
      // the server's own search (result parameters ignored), over the catalogs as the transaction leaves them
      post({ ...conceptMap, extension: [source(`CodeSystem?url=${encodeURIComponent(codeSystem.url!)}&version=1.0.0`), source(`ValueSet?url=${INDSATSKATALOG_119}&_count=5&_sort=-date`)] }),
    ]).expect(200);
    const id = published.entry![0]!.resource!.id;
    const storedSystem = (await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200)).body as CodeSystem;
    expect(storedSystem.extension![0]!.valueReference!.reference).toBe(`ValueSet/${id}`);
    const storedMap = (await inEnglish(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(200)).body as ConceptMap;
    expect(storedMap.extension!.map((x) => x.valueReference!.reference)).toEqual([`CodeSystem/${codeSystem.id}`, `ValueSet/${id}`]);
  });

  it('that matches nothing, or several, fails the transaction with 412 naming where; nothing is written', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('165', 'ingen-eller-flere');
    const none = `ValueSet?url=${INDSATSKATALOG_119}-findes-ikke`;
    const res = await transaction([post(codeSystem), post({ ...conceptMap, extension: [source(none)] })]).expect(412);
    expect(issues(res).map((i) => [i.code, i.expression])).toEqual([['not-found', ['Bundle.entry[1].resource.extension[0].valueReference.reference']]]);
    expect(issues(res)[0]!.details?.text).toBe(`Bundle.entry[1].resource.extension[0].valueReference.reference: The conditional reference '${none}' matches no ValueSet; it must match exactly one`);

    const several = 'ValueSet?status=active';
    const many = await transaction([post(codeSystem), post({ ...conceptMap, extension: [source(several)] })], 'da').expect(412);
    expect(issues(many)[0]).toMatchObject({ code: 'multiple-matches', expression: ['Bundle.entry[1].resource.extension[0].valueReference.reference'] });
    expect(issues(many)[0]!.details?.text).toMatch(new RegExp(`^Bundle\\.entry\\[1\\]\\.resource\\.extension\\[0\\]\\.valueReference\\.reference: Den betingede reference '${several.replace('?', '\\?')}' passer på \\d+ ressourcer \\(ValueSet/`));
    await nothingWritten(codeSystem.url!, conceptMap.url!);
  });

  it('to a type the server does not search, or with a search it refuses, is 400; nothing is written', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('165', 'ikke-understoettet');
    const res = await transaction([post(codeSystem), post({ ...conceptMap, extension: [source('Patient?identifier=0101011234')] })]).expect(400);
    expect(issues(res)[0]).toMatchObject({ code: 'not-supported', expression: ['Bundle.entry[1].resource.extension[0].valueReference.reference'] });
    expect(issues(res)[0]!.details?.text).toContain("The conditional reference 'Patient?identifier=0101011234' searches Patient; this server resolves conditional references to CodeSystem, ValueSet and ConceptMap only");

    const unknown = await transaction([post({ ...codeSystem, extension: [source('ValueSet?farve=blaa')] })]).expect(400);
    expect(issues(unknown)[0]!.details?.text).toBe("Bundle.entry[0].resource.extension[0].valueReference.reference: The conditional reference 'ValueSet?farve=blaa' is not a search this server can make: Unknown search parameter 'farve' for ValueSet");
    // a search of result parameters only, or of nothing, selects nothing: it would be every resource of the type
    for (const [reference, said] of [['ValueSet?_count=1', ', only result parameters (_count), which select none'], ['ValueSet?', '']]) {
      const nothing = await transaction([post({ ...codeSystem, extension: [source(reference!)] })]).expect(400);
      expect(issues(nothing)[0]!.details?.text)
        .toBe(`Bundle.entry[0].resource.extension[0].valueReference.reference: The conditional reference '${reference}' is not a search this server can make: it names no search parameter${said}`);
    }
    await nothingWritten(codeSystem.url!, conceptMap.url!);
  });

  it('in a create on its own is resolved as in a transaction', async () => {
    const { codeSystem } = sampleCatalog('165', 'betinget-alene');
    const created = (await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ ...codeSystem, extension: [source(`ValueSet?url=${INDSATSKATALOG_119}`)] }).expect(201)).body as CodeSystem;
    expect(created.extension![0]!.valueReference!.reference).toMatch(/^ValueSet\/[A-Za-z0-9\-.]+$/);
    const none = await inEnglish(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ ...codeSystem, version: '1.0.1', extension: [source('ValueSet?url=http://nothing.example')] }).expect(412);
    expect(issues(none)[0]!.expression).toEqual(['CodeSystem.extension[0].valueReference.reference']);
    expect((await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200)).body.version).toBe('1.0.0');
  });
});

describe('a transaction of one entry', () => {
  it('names its resource\'s issues in the Bundle, as a transaction of several does', async () => {
    const { codeSystem } = sampleCatalog('165', 'en-post');
    const res = await transaction([post({ ...codeSystem, id: undefined, status: 'bogus' })]).expect(422);
    const expressions = issues(res).flatMap((i) => i.expression ?? []);
    expect(expressions.length).toBeGreaterThan(0);
    expect(expressions.every((e) => e.startsWith('Bundle.entry[0].resource'))).toBe(true);
    await nothingWritten(codeSystem.url!);
  });
});

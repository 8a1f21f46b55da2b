/**
 * An error message that quotes a client's value quotes at most its first 100 characters (then '…'): a long value
 * does not come back whole in the OperationOutcome, whichever operation, write or search refuses it.
 */
import type { Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const LONG = 'x'.repeat(5000);
/** More of the value than a message may quote. */
const TOO_MUCH = 'x'.repeat(101);

let app: App;
let token101: string;
let admin: string;

beforeAll(async () => {
  app = await testApp();
  token101 = await tokenFor({ kommunekode: '101' });
  admin = await tokenFor({ scope: 'admin' });
  const { codeSystem, conceptMap } = sampleCatalog('101');
  await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(codeSystem).expect(201);
  await request(app).put(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(conceptMap).expect(201);
});

const parameters = (...parameter: ParametersParameter[]): Parameters => ({ resourceType: 'Parameters', parameter });
const str = (name: string, value: string): ParametersParameter => ({ name, valueString: value });
const row = parameters({ name: 'row', part: [{ name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: FSIII },
  { name: 'code', valueCode: CODES.fysiskTraening119 }, { name: 'count', valueInteger: 1 }] }).parameter![0]!;
const csv = (line: string) => str('csv', `kode;titel;type;maal;status\n${line}`);

type Send = () => request.Test;
const post = (path: string, body: object, auth?: string): Send => () => {
  const req = request(app).post(`/fhir/${path}`).type(JSON_TYPE);
  return (auth ? req.set('Authorization', `Bearer ${auth}`) : req).send(body);
};

const CASES: [string, Send][] = [
  ['$rollup conditionValueSet of 100,000 characters', post('ConceptMap/$rollup', parameters(row, str('conditionValueSet', 'x'.repeat(100_000))))],
  ['$rollup offers', post('ConceptMap/$rollup', parameters(row, str('offers', LONG)))],
  ['$rollup conceptMap', post('ConceptMap/$rollup', parameters(row, str('conceptMap', LONG)))],
  ['$import-local name', () => post('CodeSystem/$import-local', parameters(csv('101-A;A;indsats;;'), str('name', LONG)), token101)()],
  ['$import-local kommunekode', () => post('CodeSystem/$import-local', parameters(csv('101-A;A;indsats;;'), str('kommunekode', LONG)), admin)()],
  ['$import-local mode', () => post('CodeSystem/$import-local', parameters(csv('101-A;A;indsats;;'), str('mode', LONG)), token101)()],
  ['$import-local type cell', () => post('CodeSystem/$import-local', parameters(csv(`101-A;A;${LONG};;`)), token101)()],
  ['$import-local status cell', () => post('CodeSystem/$import-local', parameters(csv(`101-A;A;indsats;;${LONG}`)), token101)()],
  ['$import-local target cell', () => post('CodeSystem/$import-local', parameters(csv(`101-A;A;indsats;${LONG};`)), token101)()],
  ['$validate mode', post(`Patient/$validate?mode=${LONG}`, { resourceType: 'Patient' })],
  ['$validate profile', post(`Patient/$validate?profile=${LONG}`, { resourceType: 'Patient' })],
  ['$validate kommunekode', post(`Patient/$validate?kommunekode=${LONG}`, { resourceType: 'Patient' })],
  ['$validate resourceType', post('$validate', { resourceType: LONG })],
  ['$validate id of the instance', post('Patient/p1/$validate', { resourceType: 'Patient', id: LONG })],
  ['$validate of a type that is not one', post(`${'X'.repeat(5000)}/$validate`, { resourceType: 'Patient' })],
  ['$lookup system', post('CodeSystem/$lookup', parameters(str('system', LONG), str('code', 'a')))],
  ['$lookup code', post('CodeSystem/$lookup', parameters(str('system', FSIII), str('code', LONG)))],
  ['$lookup version', post('CodeSystem/$lookup', parameters(str('system', FSIII), str('code', 'a'), str('version', LONG)))],
  ['$subsumes codeA', post('CodeSystem/$subsumes', parameters(str('system', FSIII), str('codeA', LONG), str('codeB', CODES.nikotin)))],
  ['$subsumes system', post('CodeSystem/$subsumes', parameters(str('system', LONG), str('codeA', 'a'), str('codeB', 'b')))],
  ['$expand url', post('ValueSet/$expand', parameters(str('url', LONG)))],
  ['$translate url', post('ConceptMap/$translate', parameters(str('url', LONG), str('system', FSIII), str('code', 'a')))],
  ['$translate date', post('ConceptMap/$translate', parameters({ name: 'date', valueDateTime: LONG }, str('system', FSIII), str('code', 'a')))],
  ['$diff url', post('CodeSystem/$diff', parameters(str('url', LONG)))],
  ['$diff version', post('CodeSystem/$diff', parameters(str('url', FSIII), str('from', LONG)))],
  ['$export conceptMap', post('ConceptMap/$export', parameters(str('conceptMap', LONG)))],
  ['$coverage valueSet', post('ConceptMap/$coverage', parameters(str('kommunekode', '101'), str('valueSet', LONG)))],
  ['$coverage release', post('ConceptMap/$coverage', parameters(str('kommunekode', '101'), str('release', LONG)))],
  ['$coverage compareTo', post('ConceptMap/$coverage', parameters(str('kommunekode', '101'), str('release', `${FSIII}|${LONG}`)))],
  ['$coverage-matrix valueSet', post('ConceptMap/$coverage-matrix', parameters(str('valueSet', LONG)))],
  ['$local-codings system', post('CodeSystem/$local-codings', parameters(str('system', LONG), str('code', 'a')))],
  ['$local-codings code', post('CodeSystem/$local-codings', parameters(str('kommunekode', '101'), str('code', LONG)))],
  ['$validate-code kommunekode', post('CodeSystem/$validate-code', parameters(str('system', FSIII), str('code', 'a'), str('kommunekode', LONG)))],
  ['$closure name', post('ConceptMap/$closure', parameters(str('name', LONG)))],
  ['a transaction entry url', () => post('', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PUT', url: LONG }, resource: { resourceType: 'CodeSystem' } }] }, token101)()],
  ['a Bundle type', () => post('', { resourceType: 'Bundle', type: LONG, entry: [] }, token101)()],
  ['a batch entry url', post('', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: LONG } }] })],
  ['If-Match', () => request(app).put('/fhir/CodeSystem/x').set('Authorization', `Bearer ${token101}`).set('If-Match', LONG).type(JSON_TYPE)
    .send({ resourceType: 'CodeSystem', id: 'x' })],
  ['the id of an update', () => request(app).put('/fhir/CodeSystem/x').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE)
    .send({ resourceType: 'CodeSystem', id: LONG })],
  ['a Content-Type', () => request(app).post('/fhir/ValueSet/$expand').set('Content-Type', `application/${LONG}`).send('{}')],
  ['a metadata mode', () => request(app).get('/fhir/metadata').query({ mode: LONG })],
  ['$translate url with a version', post('ConceptMap/$translate', parameters(str('url', `http://example.org/cm|${LONG}`), str('system', FSIII), str('code', 'a')))],
  ['an AuditEvent date', () => request(app).get('/fhir/AuditEvent').query({ date: LONG }).set('Authorization', `Bearer ${admin}`)],
  ['an AuditEvent date prefix', () => request(app).get('/fhir/AuditEvent').query({ date: `${'q'.repeat(5000)}2026-01-01` }).set('Authorization', `Bearer ${admin}`)],
  ['an AuditEvent search parameter', () => request(app).get(`/fhir/AuditEvent?${LONG}=1`).set('Authorization', `Bearer ${admin}`)],
  ['a local code without a title (write rules)', () => request(app).put('/fhir/CodeSystem/kommune-101-lang').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE)
    .send(localCodeSystem('101', 'lang', [{ code: LONG, display: ' ', type: 'indsats' }]))],
  ['a mapped code not in the local catalog (write rules)', () => request(app).put('/fhir/ConceptMap/kommune-101-lokale-indsatser').set('Authorization', `Bearer ${token101}`)
    .type(JSON_TYPE).send(localConceptMap('101', 'lokale-indsatser', [{ code: LONG, targets: [CODES.fysiskTraening119] }]))],
  ['an unknown parameter named on an error', post('CodeSystem/$lookup', parameters(str('system', FSIII), str(LONG, 'a')))],
];

describe('a long value in a refused request', () => {
  it.each(CASES)('%s: quoted cut to 100 characters', async (_name, send) => {
    const res = await send();
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(TOO_MUCH);
    expect(text).not.toContain('X'.repeat(101));
    expect(text).not.toContain('q'.repeat(101));
    // and still names it
    expect(text).toMatch(/(?:x|X|q){20,}…/);
  });
});

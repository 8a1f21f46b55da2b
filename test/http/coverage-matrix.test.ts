import type { CapabilityStatement, Parameters, ParametersParameter } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { catalogCodes, expectedCoverage, importDataUseCatalogs, localCatalogs } from '../support/data-use';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { part } from '../support/parameters';

const VS119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const VS140 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-140';

let app: App;

beforeAll(async () => {
  app = await testApp();
  await importDataUseCatalogs(app);
});

function cellsOf(body: Parameters): Map<string, { indsats: number; tilbud: number }> {
  const out = new Map<string, { indsats: number; tilbud: number }>();
  for (const line of (body.parameter ?? []).filter((p) => p.name === 'intervention')) {
    const code = part(line, 'concept')!.valueCoding!.code!;
    const cells = (line.part ?? []).filter((p) => p.name === 'cell');
    expect(part(line, 'municipalities')?.valueInteger).toBe(cells.length);
    for (const cell of cells) {
      out.set(`${part(cell, 'kommunekode')!.valueCode}|${code}`, { indsats: part(cell, 'indsats')!.valueInteger!, tilbud: part(cell, 'tilbud')!.valueInteger! });
    }
  }
  return out;
}

const matrix = (query: string) => request(app).get(`/fhir/ConceptMap/$coverage-matrix${query}`).set('Accept', 'application/fhir+json');

describe('ConceptMap/$coverage-matrix', () => {
  it('gives, per §119 intervention and municipality, the local interventions and offers mapped to it', async () => {
    const body = (await matrix(`?valueSet=${encodeURIComponent(VS119)}`).expect(200)).body as Parameters;
    const codes = catalogCodes('ValueSet-indsatskatalog-119.json');
    const lines = (body.parameter ?? []).filter((p) => p.name === 'intervention');
    // every intervention of the catalog is a line, also those no municipality covers
    expect(lines.map((l) => part(l, 'concept')!.valueCoding!.code).sort()).toEqual([...codes].sort());
    expect(cellsOf(body)).toEqual(expectedCoverage(codes));
    // 101's smoking-cessation group is mapped to the retired Tobaksafvænning: it covers Nikotin- og tobaksafvænning
    expect(cellsOf(body).get(`101|${CODES.nikotin}`)).toEqual({ indsats: 1, tilbud: 0 });
    const fysisk = lines.find((l) => part(l, 'concept')!.valueCoding!.code === CODES.fysiskTraening119)!;
    expect(part(fysisk, 'lovparagraf')?.valueString).toBe('Sundhedsloven §119');
    expect(part(fysisk, 'niveau1')?.valueCoding?.code).toBe(CODES.paragraf119);
    expect(part(fysisk, 'valueSet')?.valueCanonical).toMatch(new RegExp(`^${VS119}`));
  });

  it('names each municipality with its number of local codes and of interventions covered', async () => {
    const body = (await matrix(`?valueSet=${encodeURIComponent(VS119)}`).expect(200)).body as Parameters;
    const codes = catalogCodes('ValueSet-indsatskatalog-119.json');
    const expected = expectedCoverage(codes);
    const municipalities = (body.parameter ?? []).filter((p) => p.name === 'municipality').map((m) => ({
      kommunekode: part(m, 'kommunekode')!.valueCode, localCodes: part(m, 'localCodes')!.valueInteger, covered: part(m, 'covered')!.valueInteger,
    }));
    expect(municipalities).toEqual([...localCatalogs()].sort(([a], [b]) => a.localeCompare(b)).map(([kommunekode, catalog]) => ({
      kommunekode, localCodes: catalog.size, covered: codes.filter((c) => expected.has(`${kommunekode}|${c}`)).length,
    })));
  });

  it('compares on the §119 and §140 catalogs by default, and on the municipalities asked for', async () => {
    const body = (await matrix('?kommunekode=147&kommunekode=101').expect(200)).body as Parameters;
    expect((body.parameter ?? []).filter((p) => p.name === 'valueSet').map((p) => p.valueCanonical!.split('|')[0])).toEqual([VS119, VS140]);
    const codes = [...catalogCodes('ValueSet-indsatskatalog-119.json'), ...catalogCodes('ValueSet-indsatskatalog-140.json')];
    const expected = new Map([...expectedCoverage(codes)].filter(([k]) => !k.startsWith('370|')));
    expect(cellsOf(body)).toEqual(expected);
    expect((body.parameter ?? []).filter((p) => p.name === 'municipality').map((m) => part(m, 'kommunekode')!.valueCode)).toEqual(['101', '147']);
  });

  it('counts a municipality with a local catalog but no map, with nothing covered', async () => {
    const own = await testApp();
    const token = await tokenFor({ kommunekode: '253' });
    const cs = localCodeSystem('253', 'lokale-indsatser', [{ code: '253-X', display: 'Ikke koblet endnu', type: 'indsats' }]);
    await request(own).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(cs).expect(201);
    const body = (await request(own).get('/fhir/ConceptMap/$coverage-matrix').expect(200)).body as Parameters;
    const m253 = (body.parameter ?? []).find((p) => p.name === 'municipality' && part(p, 'kommunekode')?.valueCode === '253');
    expect(part(m253, 'localCodes')?.valueInteger).toBe(1);
    expect(part(m253, 'covered')?.valueInteger).toBe(0);
  });

  it("is answered from the response cache until a write, and follows a change of a municipality's catalog and map", async () => {
    const own = await testApp();
    const hits = async () => Number(/^faelles_tx_response_cache_hits_total (\d+)$/m.exec((await request(own).get('/metrics').expect(200)).text)![1]);
    const token = await tokenFor({ kommunekode: '253' });
    const importCsv = (csv: string) => request(own).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`)
      .type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }).expect(200);
    const cellOf = async (code: string) => {
      // a GET, as the web page asks: the response cache must not answer with the matrix from before the write
      // (one Host: an answer is kept per base URL, and supertest listens on another port for every request)
      const body = (await request(own).get('/fhir/ConceptMap/$coverage-matrix?kommunekode=253').set('Host', 'tx.example').expect(200)).body as Parameters;
      return cellsOf(body).get(`253|${code}`);
    };
    await importCsv(`kode,titel,type,maal\n253-A,Styrke,indsats,${CODES.fysiskTraening119}\n`);
    expect(await cellOf(CODES.fysiskTraening119)).toEqual({ indsats: 1, tilbud: 0 });
    const before = await hits();
    expect(await cellOf(CODES.fysiskTraening119)).toEqual({ indsats: 1, tilbud: 0 });
    expect(await hits()).toBe(before + 1);
    await importCsv(`kode,titel,type,maal\n253-A,Styrke og kost,tilbud,${CODES.fysiskTraening119};${CODES.kostvejledning}\n253-B,Kost,indsats,${CODES.kostvejledning}\n`);
    expect(await cellOf(CODES.fysiskTraening119)).toEqual({ indsats: 0, tilbud: 1 });
    expect(await cellOf(CODES.kostvejledning)).toEqual({ indsats: 1, tilbud: 1 });
  });

  it('counts a local code once on an intervention that two of its maps (or a retired and a current target) lead to', async () => {
    const own = await testApp();
    const token = await tokenFor({ kommunekode: '253' });
    const write = (resource: object) => request(own).post(`/fhir/${(resource as { resourceType: string }).resourceType}`)
      .set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(resource).expect(201);
    const source = localCodeSystem('253', 'lokale-indsatser', [{ code: '253-RYG', display: 'Rygestop', type: 'indsats' }]);
    await write(source);
    await write(localConceptMap('253', 'kort-a', [{ code: '253-RYG', targets: [CODES.nikotin] }], source.url));
    await write(localConceptMap('253', 'kort-b', [{ code: '253-RYG', targets: [CODES.tobaksafvaenningRetired] }], source.url));
    const body = (await request(own).get('/fhir/ConceptMap/$coverage-matrix?kommunekode=253').expect(200)).body as Parameters;
    expect(cellsOf(body).get(`253|${CODES.nikotin}`)).toEqual({ indsats: 1, tilbud: 0 });
  });

  it('agrees with $coverage on every row: for each example municipality, covered there is not uncovered in its report', async () => {
    const body = (await matrix('').expect(200)).body as Parameters;
    const lines = (body.parameter ?? []).filter((p) => p.name === 'intervention');
    const cells = cellsOf(body);
    for (const kommunekode of ['101', '147', '370']) {
      const report = (await request(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode }).set('Accept', 'application/fhir+json').expect(200)).body as Parameters;
      const uncovered = new Set((report.parameter ?? []).filter((p) => p.name === 'uncovered').map((p) => part(p, 'concept')!.valueCoding!.code));
      const summary = (report.parameter ?? []).find((p) => p.name === 'summary')!;
      // the same interventions
      expect(part(summary, 'commonInterventions')?.valueInteger).toBe(lines.length);
      for (const line of lines) {
        const code = part(line, 'concept')!.valueCoding!.code!;
        expect({ kommunekode, code, covered: !uncovered.has(code) }).toEqual({ kommunekode, code, covered: cells.has(`${kommunekode}|${code}`) });
      }
    }
  });

  it("$coverage counts 101's smoking-cessation group, mapped to the retired Tobaksafvænning, as covering Nikotin- og tobaksafvænning", async () => {
    const report = (await request(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: '101' }).expect(200)).body as Parameters;
    const uncovered = (report.parameter ?? []).filter((p) => p.name === 'uncovered').map((p) => part(p, 'concept')!.valueCoding!.code);
    expect(uncovered).not.toContain(CODES.nikotin);
    // and still names the retired target, with the code to use
    const retired = (report.parameter ?? []).filter((p) => p.name === 'retiredTarget');
    expect(retired.map((r) => part(r, 'replacedBy')?.valueCoding?.code)).toEqual([CODES.nikotin]);
  });

  it('answers CSV: one line per intervention, one column per municipality with its number of local codes', async () => {
    const res = await matrix(`?valueSet=${encodeURIComponent(VS119)}&_format=csv`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('coverage-matrix.csv');
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    const codes = catalogCodes('ValueSet-indsatskatalog-119.json');
    const expected = expectedCoverage(codes);
    expect(res.text.split(/\r?\n/)[0]!.split(',')).toEqual(['code', 'display', 'lovparagraf', 'value_set', 'municipalities', '101', '147', '370']);
    for (const row of rows) {
      for (const k of ['101', '147', '370']) {
        const cell = expected.get(`${k}|${row.code}`);
        expect(Number(row[k])).toBe(cell ? cell.indsats + cell.tilbud : 0);
      }
    }
  });

  it('answers CSV to Accept: text/csv with a charset, and refuses _format=tsv (406)', async () => {
    const res = await request(app).get(`/fhir/ConceptMap/$coverage-matrix?valueSet=${encodeURIComponent(VS119)}`).set('Accept', 'text/csv; charset=utf-8').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text.split(/\r?\n/)[0]).toBe('code,display,lovparagraf,value_set,municipalities,101,147,370');
    await request(app).get('/fhir/ConceptMap/$coverage-matrix?_format=tsv').expect(406);
  });

  it('refuses an unknown value set (404) and a malformed kommunekode (400)', async () => {
    await matrix('?valueSet=http://example.org/ValueSet/ukendt').expect(404);
    await matrix('?kommunekode=1O1').expect(400);
  });

  it('is listed in the CapabilityStatement with its OperationDefinition', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const op = cs.rest![0]!.resource!.find((r) => r.type === 'ConceptMap')!.operation!.find((o) => o.name === 'coverage-matrix')!;
    expect(op.definition).toBe('http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-coverage-matrix');
    const def = await request(app).get('/fhir/OperationDefinition/ConceptMap-coverage-matrix').expect(200);
    expect(def.body.parameter.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['valueSet', 'kommunekode', 'municipality', 'intervention']));
  });
});

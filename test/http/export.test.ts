import type { CapabilityStatement, Parameters } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { importDataUseCatalogs, localCatalogs } from '../support/data-use';
import { CODES, localCodeSystem, localConceptMap, tokenFor, type LocalConcept } from '../support/local';

let app: App;

beforeAll(async () => {
  app = await testApp();
  await importDataUseCatalogs(app);
});

type Row = Record<string, string>;

async function exportCsv(query: string): Promise<Row[]> {
  const res = await request(app).get(`/fhir/ConceptMap/$export${query}`).set('Accept', 'text/csv').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  return parse(res.text, { columns: true }) as Row[];
}

/** local code → targets, as the import files and the published example state them. */
function expectedPairs(kommunekoder: string[]): string[] {
  const out: string[] = [];
  for (const [kommunekode, codes] of localCatalogs()) {
    if (!kommunekoder.includes(kommunekode)) continue;
    for (const [code, entry] of codes) for (const t of entry.targets) out.push(`${kommunekode}|${code}|${t}`);
  }
  return out.sort();
}

/** The stated target of an export line: the mapped code when it was replaced, else the niveau-2 code. */
function pairs(rows: Row[]): string[] {
  return rows.map((r) => `${r.kommunekode}|${r.local_code}|${r.mapped_code || r.niveau2_code}`).sort();
}

describe('ConceptMap/$export', () => {
  it('gives one municipality\'s local codes with their niveau-2 targets, niveau 1, titles, kind, status and map', async () => {
    const rows = await exportCsv('?kommunekode=101');
    expect(pairs(rows)).toEqual(expectedPairs(['101']));
    const styrke = rows.find((r) => r.local_code === '101-STYRKE')!;
    expect(styrke).toMatchObject({
      kommunekode: '101', local_display: 'Styrketræning', kind: 'indsats', local_status: 'active', niveau2_code: CODES.fysiskTraening119,
      niveau2_display: 'Fysisk træning', niveau1_code: CODES.paragraf119, lovparagraf: 'Sundhedsloven §119', equivalence: 'subsumes',
      map_url: 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser',
    });
    expect(styrke.map_version).not.toBe('');
    expect(rows.filter((r) => r.local_code === '101-KOL-HOLD').every((r) => r.kind === 'tilbud' && r.equivalence === 'inexact')).toBe(true);
    // the retired target: the code in use, and the code the map states
    const rygestop = rows.find((r) => r.local_code === '101-RYGESTOP')!;
    expect(rygestop).toMatchObject({ niveau2_code: CODES.nikotin, mapped_code: CODES.tobaksafvaenningRetired, mapped_status: 'retired', niveau1_code: CODES.paragraf119 });
  });

  it('gives every municipality without kommunekode, as CSV, NDJSON and Parameters alike', async () => {
    const rows = await exportCsv('');
    expect(pairs(rows)).toEqual(expectedPairs(['101', '147', '370']));
    const nd = await request(app).get('/fhir/ConceptMap/$export?_format=ndjson').expect(200);
    expect(nd.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = nd.text.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(pairs(lines)).toEqual(pairs(rows));
    const json = await request(app).get('/fhir/ConceptMap/$export').expect(200);
    const params = (json.body as Parameters).parameter!.map((p) => Object.fromEntries(p.part!.map((x) => [x.name, x.valueString!])));
    expect(pairs(params)).toEqual(pairs(rows));
  });

  it('of a municipality without a catalog is a Parameters without parameters (no empty list), a CSV of its header alone', async () => {
    const json = await request(app).get('/fhir/ConceptMap/$export?kommunekode=999').expect(200);
    expect(json.body).toEqual({ resourceType: 'Parameters' });
    const checked = await request(app).post('/fhir/Parameters/$validate').type('application/fhir+json').send(json.body).expect(200);
    expect(checked.body.issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    expect(await exportCsv('?kommunekode=999')).toEqual([]);
  });

  it('addresses one map by url|version, and says when that version is not known', async () => {
    const url = 'http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser';
    const rows = await exportCsv(`?conceptMap=${encodeURIComponent(`${url}|1.0.0`)}`);
    expect(pairs(rows)).toEqual(expectedPairs(['370']));
    expect(rows.every((r) => r.map_version === '1.0.0')).toBe(true);
    await request(app).get(`/fhir/ConceptMap/$export?conceptMap=${encodeURIComponent(`${url}|0.9`)}`).set('Accept', 'text/csv').expect(404);
    await request(app).get('/fhir/ConceptMap/$export?kommunekode=12').set('Accept', 'text/csv').expect(400);
  });

  it.each([
    ['text/csv;q=0, application/fhir+json', /^application\/fhir\+json/],
    ['application/x-ndjson;q=0.2, application/json;q=0.9', /^application\/(fhir\+)?json/],
    ['application/fhir+json;q=0.5, text/csv', /^text\/csv/],
    ['text/csv, application/x-ndjson', /^text\/csv/],
    ['application/x-ndjson, text/csv', /^application\/x-ndjson/],
    ['*/*', /^application\/fhir\+json/],
    // a media range with parameters asks for its type (RFC 7231 §5.3.2); its weight still counts
    ['text/csv;header=present', /^text\/csv/],
    ['text/csv; charset=utf-8;q=0.4, application/fhir+json;fhirVersion=4.0;q=0.8', /^application\/fhir\+json/],
    ['application/fhir+json;q=0.3, application/x-ndjson; charset=utf-8', /^application\/x-ndjson/],
  ])('answers Accept: %s in the type it prefers by quality, the first named among equals', async (accept, type) => {
    const res = await request(app).get('/fhir/ConceptMap/$export?kommunekode=370').set('Accept', accept).expect(200);
    expect(res.headers['content-type']).toMatch(type);
  });

  it('refuses a _format it does not write (406), as XML, and takes a table format with parameters', async () => {
    // names an object answers to (constructor, __proto__) are not formats either
    for (const format of ['tsv', 'xml', 'text/html', 'constructor', '__proto__', 'toString']) {
      const res = await request(app).get(`/fhir/ConceptMap/$export?kommunekode=370&_format=${encodeURIComponent(format)}`).expect(406);
      expect([format, res.body.resourceType]).toEqual([format, 'OperationOutcome']);
    }
    const csv = await request(app).get(`/fhir/ConceptMap/$export?kommunekode=370&_format=${encodeURIComponent('text/csv; header=present')}`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const json = await request(app).get(`/fhir/ConceptMap/$export?kommunekode=370&_format=${encodeURIComponent('application/fhir+json')}`).expect(200);
    expect(json.body.resourceType).toBe('Parameters');
  });

  it('gives a title a spreadsheet would run as a formula a leading \' in CSV, and leaves it as it is in NDJSON and Parameters', async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '461' })}`;
    const titles = ['=HYPERLINK("http://evil")', '+1+2', '-2+3', '@SUM(A1)', 'Almindelig titel', "abc;=cmd|' /C calc'!A0;x", 'a;b; c;-d'];
    const concepts: LocalConcept[] = titles.map((display, i) => ({ code: `461-F${i}`, display, type: 'indsats' }));
    const cs = localCodeSystem('461', 'formler', concepts);
    const cm = localConceptMap('461', 'formler', concepts.map((c) => ({ code: c.code, display: c.display, targets: [CODES.fysiskTraening119] })));
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs).expect(201);
    await request(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type('application/fhir+json').send(cm).expect(201);
    const shown = (rows: Row[]) => rows.map((r) => [r.local_code, r.local_display]).sort(([a], [b]) => a!.localeCompare(b!));
    const csv = await request(app).get('/fhir/ConceptMap/$export?kommunekode=461&_format=csv').expect(200);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    // and after a ';' inside a title, where a Danish Excel begins a cell
    const safe = (t: string) => (/^[=+\-@]/.test(t) ? `'${t}` : t).replace(/;(?=[=+\-@])/g, ";'");
    expect(shown(parse(csv.text, { columns: true }) as Row[])).toEqual(concepts.map((c) => [c.code, safe(c.display)]));
    expect(csv.text).toContain(`abc;'=cmd|' /C calc'!A0;x`);
    expect(csv.text).toContain(`a;b; c;'-d`);
    const nd = await request(app).get('/fhir/ConceptMap/$export?kommunekode=461').set('Accept', 'application/x-ndjson').expect(200);
    expect(shown(nd.text.trim().split('\n').map((l) => JSON.parse(l) as Row))).toEqual(concepts.map((c) => [c.code, c.display]));
    const json = await request(app).get('/fhir/ConceptMap/$export?kommunekode=461').expect(200);
    const params = (json.body as Parameters).parameter!.map((p) => Object.fromEntries(p.part!.map((x) => [x.name, x.valueString!])));
    expect(shown(params)).toEqual(concepts.map((c) => [c.code, c.display]));
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const ops = cs.rest![0]!.resource!.find((r) => r.type === 'ConceptMap')!.operation!;
    expect(ops.find((o) => o.name === 'export')?.definition).toBe('http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-export');
    await request(app).get('/fhir/OperationDefinition/ConceptMap-export').expect(200);
  });
});

describe('ConceptMap/$export of targets that state there is no mapping', () => {
  it('gives a target stating there is no mapping (unmatched, disjoint) no niveau-2 line, as $rollup does not count on it', async () => {
    const token = await tokenFor({ kommunekode: '851' });
    const cs = localCodeSystem('851', 'uden', [{ code: '851-A', display: 'A', type: 'tilbud' }, { code: '851-B', display: 'B', type: 'indsats' }]);
    const cm = localConceptMap('851', 'uden', [{ code: '851-A', targets: [CODES.fysiskTraening119] }, { code: '851-B', targets: [CODES.kostvejledning] }], cs.url);
    cm.group![0]!.element![0]!.target!.push({ code: CODES.kostvejledning, equivalence: 'disjoint' });
    cm.group![0]!.element![1]!.target!.push({ code: CODES.fysiskTraening119, equivalence: 'unmatched' });
    for (const r of [cs, cm]) await request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(r).expect(201);
    const rows = (await exportCsv('?kommunekode=851')).map((r) => [r.local_code, r.niveau2_code]);
    expect(rows).toEqual([['851-A', CODES.fysiskTraening119], ['851-B', CODES.kostvejledning]]);
  });
});

/**
 * Change reports: $diff of two versions of a code system (a synthetic next FSIII release), a value set and a concept
 * map, as Parameters and CSV; and $coverage's impact report of a release on the municipalities' maps.
 */
import type { CodeSystem, Parameters, ParametersParameter } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import { type App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, sampleCatalog, tokenFor } from '../support/local';
import { catalogsWithNextRelease, NEXT, NEXT_VERSION } from '../support/next-release';
import { part } from '../support/parameters';
import { issueTranslated } from '../support/translation';
import { MAX_PARAMETERS_ROWS } from '../../src/operations/parameters-rows';

const JSON_TYPE = 'application/fhir+json';
let app: App;
let auth101: string;

const parts = (p: ParametersParameter, name: string) => (p.part ?? []).filter((x) => x.name === name);
const changes = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'change');
const summary = (body: Parameters) => Object.fromEntries((body.parameter?.find((p) => p.name === 'summary')?.part ?? []).map((p) => [p.name, p.valueInteger]));
const changeOf = (body: Parameters, type: string) => changes(body).filter((c) => part(c, 'type')?.valueCode === type);

beforeAll(async () => {
  app = await testApp({}, { published: catalogsWithNextRelease() });
  auth101 = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  for (const kommunekode of ['101', '147']) {
    const auth = kommunekode === '101' ? auth101 : `Bearer ${await tokenFor({ kommunekode })}`;
    const { codeSystem, conceptMap } = sampleCatalog(kommunekode);
    await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', auth).type(JSON_TYPE).send(codeSystem).expect(201);
    await request(app).put(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', auth).type(JSON_TYPE).send(conceptMap).expect(201);
  }
});

describe('CodeSystem/$diff', () => {
  it('lists what a release added, retired (with the replacement), re-displayed and moved', async () => {
    const body = (await request(app).get('/fhir/CodeSystem/$diff').query({ url: FSIII, from: '20240530', to: NEXT_VERSION }).expect(200)).body as Parameters;
    expect(body.parameter?.slice(0, 2).map((p) => p.valueCanonical)).toEqual([`${FSIII}|20240530`, `${FSIII}|${NEXT_VERSION}`]);
    expect(summary(body)).toEqual({ added: 1, removed: 0, retired: 1, reactivated: 0, redisplayed: 1, moved: 1, remapped: 0 });
    const retired = changeOf(body, 'retired')[0]!;
    expect(part(retired, 'concept')?.valueCoding?.code).toBe(NEXT.retired);
    expect(part(retired, 'status')?.valueCode).toBe('retired');
    expect(part(retired, 'replacedBy')?.valueCoding).toMatchObject({ system: FSIII, code: NEXT.replacement });
    expect(part(changeOf(body, 'added')[0]!, 'concept')?.valueCoding?.code).toBe(NEXT.added);
    const redisplayed = changeOf(body, 'redisplayed')[0]!;
    expect(part(redisplayed, 'concept')?.valueCoding).toMatchObject({ code: NEXT.redisplayed, display: NEXT.newDisplay });
    expect(part(redisplayed, 'previousDisplay')?.valueString).toBe('Sygdomshåndtering');
    const moved = changeOf(body, 'moved')[0]!;
    expect(part(moved, 'concept')?.valueCoding?.code).toBe(NEXT.moved);
    expect(parts(moved, 'parent').map((p) => p.valueCode)).toEqual([NEXT.to]);
    expect(parts(moved, 'previousParent').map((p) => p.valueCode)).toEqual([NEXT.from]);
  });

  it('the other way round, the same changes reversed', async () => {
    const body = (await request(app).get('/fhir/CodeSystem/$diff').query({ url: FSIII, from: NEXT_VERSION, to: '20240530' }).expect(200)).body as Parameters;
    expect(summary(body)).toMatchObject({ added: 0, removed: 1, reactivated: 1, redisplayed: 1, moved: 1 });
  });

  it('defaults to the newest version and the one before it; at instance level to the instance', async () => {
    const byUrl = (await request(app).get('/fhir/CodeSystem/$diff').query({ url: FSIII }).expect(200)).body as Parameters;
    expect(byUrl.parameter?.slice(0, 2).map((p) => p.valueCanonical)).toEqual([`${FSIII}|20240530`, `${FSIII}|${NEXT_VERSION}`]);
    const instance = (await request(app).post('/fhir/CodeSystem/FSIII/$diff').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'from', valueString: '20240530' }] }).expect(200)).body as Parameters;
    expect(summary(instance)).toEqual(summary(byUrl));
    const ownUrl = (await request(app).get('/fhir/CodeSystem/FSIII/$diff').query({ url: FSIII, from: '20240530' }).expect(200)).body as Parameters;
    expect(summary(ownUrl)).toEqual(summary(byUrl));
    const otherUrl = await request(app).get('/fhir/CodeSystem/FSIII/$diff').query({ url: 'urn:oid:1.2.208.176.2.22' }).expect(400);
    expect(otherUrl.body.issue[0].details.text).toContain('CodeSystem/FSIII');
  });

  it('answers CSV, one row per change', async () => {
    const res = await request(app).get('/fhir/CodeSystem/$diff').query({ url: FSIII, from: '20240530', to: NEXT_VERSION }).set('Accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.change)).toEqual(['added', 'retired', 'redisplayed', 'moved']);
    expect(rows.find((r) => r.change === 'retired')).toMatchObject({ code: NEXT.retired, replaced_by: NEXT.replacement, status: 'retired' });
    expect(rows.find((r) => r.change === 'moved')).toMatchObject({ parents: NEXT.to, previous_parents: NEXT.from });
    const instanceCsv = await request(app).get('/fhir/CodeSystem/FSIII/$diff').query({ from: '20240530', _format: 'csv' }).expect(200);
    expect(instanceCsv.text).toBe(res.text);
  });

  it('gives a municipality\'s display a spreadsheet would run as a formula a leading \' in CSV, as it is in Parameters', async () => {
    const cs = localCodeSystem('101', 'formler', [{ code: '101-F0', display: 'Første titel', type: 'indsats' }]);
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth101).type(JSON_TYPE).send(cs).expect(201);
    const displays = { '101-F0': '=HYPERLINK("http://evil")', '101-F1': '+1+2', '101-F2': '-2+3', '101-F3': '@SUM(A1)' };
    const v2 = localCodeSystem('101', 'formler', Object.entries(displays).map(([code, display]) => ({ code, display, type: 'indsats' })));
    v2.version = '2.0.0';
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth101).type(JSON_TYPE).send(v2).expect(200);
    const query = { url: cs.url, from: '1.0.0', to: '2.0.0' };
    const res = await request(app).get('/fhir/CodeSystem/$diff').query(query).set('Accept', 'text/csv').expect(200);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.change, r.code, r.display, r.previous_display]).sort((a, b) => a[1]!.localeCompare(b[1]!))).toEqual([
      ['redisplayed', '101-F0', `'${displays['101-F0']}`, 'Første titel'], ['added', '101-F1', "'+1+2", ''], ['added', '101-F2', "'-2+3", ''],
      ['added', '101-F3', "'@SUM(A1)", '']]);
    const body = (await request(app).get('/fhir/CodeSystem/$diff').query(query).expect(200)).body as Parameters;
    expect(Object.fromEntries(changes(body).map((c) => [part(c, 'concept')?.valueCoding?.code, part(c, 'concept')?.valueCoding?.display]))).toEqual(displays);
  });

  it('refuses what it cannot compare, with the versions it knows', async () => {
    const unknown = await request(app).get('/fhir/CodeSystem/$diff').query({ url: FSIII, from: '2019' }).expect(404);
    expect(unknown.body.issue[0].details.text).toContain('20240530 or 20250101');
    await request(app).get('/fhir/CodeSystem/$diff').query({ url: `${FSIII}|20240530` }).expect(400);
    await request(app).get('/fhir/CodeSystem/$diff').query({ url: 'http://example.org/none' }).expect(404);
    await request(app).get('/fhir/CodeSystem/$diff').expect(400);
    // the only version of a local catalog has nothing before it
    await request(app).get('/fhir/CodeSystem/$diff').query({ url: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser' }).expect(400);
  });
});

describe('$diff of more changes than a Parameters answer holds', () => {
  const WIDE = 'http://example.org/fhir/CodeSystem/wide';
  const wide = (version: string, codes: number): CodeSystem => ({
    resourceType: 'CodeSystem', id: `wide-${version}`, url: WIDE, version, status: 'active', content: 'complete',
    concept: [{ code: 'kept', display: 'Kept' }, ...Array.from({ length: codes }, (_, i) => ({ code: `c${i}`, display: `Code ${i}` }))],
  });

  beforeAll(async () => {
    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    for (const cs of [wide('1', 0), wide('2', MAX_PARAMETERS_ROWS + 1), wide('3', MAX_PARAMETERS_ROWS)]) {
      await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', admin).type(JSON_TYPE).send(cs).expect(201);
    }
  });

  it('refuses it as Parameters (422 too-costly, in Danish and English, naming CSV) and streams it as CSV, every change a row', async () => {
    const refused = await request(app).get('/fhir/CodeSystem/$diff').query({ url: WIDE, from: '1', to: '2' }).expect(422);
    expect(refused.body.issue[0].code).toBe('too-costly');
    expect(refused.body.issue[0].details.text).toBe(
      `The list of changes has more than ${MAX_PARAMETERS_ROWS} lines: ask for it as CSV (Accept: text/csv) or NDJSON (Accept: application/x-ndjson)`);
    const danish = await request(app).get('/fhir/CodeSystem/$diff').query({ url: WIDE, from: '1', to: '2' }).set('Accept-Language', 'da').expect(422);
    expect(issueTranslated(danish.body.issue[0])).toEqual({
      text: `Listen over ændringer har mere end ${MAX_PARAMETERS_ROWS} linjer: bed om den som CSV (Accept: text/csv) eller NDJSON (Accept: application/x-ndjson)`,
      lang: 'en',
      translation: `The list of changes has more than ${MAX_PARAMETERS_ROWS} lines: ask for it as CSV (Accept: text/csv) or NDJSON (Accept: application/x-ndjson)`,
    });
    const csv = await request(app).get('/fhir/CodeSystem/$diff').query({ url: WIDE, from: '1', to: '2', _format: 'csv' }).expect(200);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(MAX_PARAMETERS_ROWS + 1);
    expect(rows.every((r) => r.change === 'added' && r.system === WIDE)).toBe(true);
  });

  it('answers up to the limit as Parameters', async () => {
    const body = (await request(app).get('/fhir/CodeSystem/$diff').query({ url: WIDE, from: '1', to: '3' }).expect(200)).body as Parameters;
    expect(summary(body)).toMatchObject({ added: MAX_PARAMETERS_ROWS, removed: 0 });
    expect(changes(body)).toHaveLength(MAX_PARAMETERS_ROWS);
  });
});

describe('ConceptMap/$diff and ValueSet/$diff', () => {
  const MAP = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser';

  beforeAll(async () => {
    const v2 = localConceptMap('101', 'lokale-indsatser', [
      { code: '101-KOL', display: 'KOL-rehabilitering', targets: [CODES.sygdomshaandtering], equivalence: 'inexact' },
      { code: '101-BOLD', display: 'Boldspil', targets: [CODES.fysiskTraening119] },
      { code: '101-NY', display: 'Endnu ikke koblet', targets: [CODES.mentalHaandtering] },
    ]);
    v2.version = '2.0.0';
    await request(app).put(`/fhir/ConceptMap/${v2.id}`).set('Authorization', auth101).type(JSON_TYPE).send(v2).expect(200);
  });

  it('a map: per source code added, removed and remapped', async () => {
    const body = (await request(app).get('/fhir/ConceptMap/$diff').query({ url: MAP, from: '1.0.0', to: '2.0.0' }).expect(200)).body as Parameters;
    expect(summary(body)).toMatchObject({ added: 1, removed: 1, remapped: 1 });
    expect(part(changeOf(body, 'added')[0]!, 'concept')?.valueCoding?.code).toBe('101-NY');
    expect(part(changeOf(body, 'removed')[0]!, 'concept')?.valueCoding?.code).toBe('101-BALANCE');
    const remapped = changeOf(body, 'remapped')[0]!;
    expect(part(remapped, 'concept')?.valueCoding?.code).toBe('101-KOL');
    expect(parts(remapped, 'target').map((t) => t.valueCoding?.code)).toEqual([CODES.sygdomshaandtering]);
    expect(parts(remapped, 'previousTarget')).toHaveLength(6);
  });

  it('a value set: the codes its expansion gained and lost', async () => {
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
    const vs = (version: string, codes: string[]) => ({
      resourceType: 'ValueSet', id: 'udvalgte-indsatser', url: 'http://faelles-tx.dk/fhir/ValueSet/udvalgte-indsatser-test', version, status: 'active',
      compose: { include: [{ system: FSIII, version: '20240530', concept: codes.map((code) => ({ code })) }] },
    });
    await request(app).put('/fhir/ValueSet/udvalgte-indsatser').set('Authorization', admin).type(JSON_TYPE)
      .send(vs('1', [CODES.kostvejledning, CODES.nikotin])).expect(201);
    await request(app).put('/fhir/ValueSet/udvalgte-indsatser').set('Authorization', admin).type(JSON_TYPE)
      .send(vs('2', [CODES.nikotin, CODES.mentalHaandtering])).expect(200);
    const token = await tokenFor({ scope: 'openid' });
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as { port: number };
      const client = new Client({ baseUrl: `http://127.0.0.1:${port}/fhir`, customHeaders: { Authorization: `Bearer ${token}` } });
      const body = await client.operation({ name: '$diff', resourceType: 'ValueSet', method: 'GET', input: { url: 'http://faelles-tx.dk/fhir/ValueSet/udvalgte-indsatser-test', from: '1' } }) as unknown as Parameters;
      expect(summary(body)).toMatchObject({ added: 1, removed: 1 });
      expect(part(changeOf(body, 'added')[0]!, 'concept')?.valueCoding?.code).toBe(CODES.mentalHaandtering);
      expect(part(changeOf(body, 'removed')[0]!, 'concept')?.valueCoding?.code).toBe(CODES.kostvejledning);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the three are in the CapabilityStatement with their OperationDefinitions', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body;
    for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap']) {
      const op = cs.rest[0].resource.find((r: { type: string }) => r.type === type).operation.find((o: { name: string }) => o.name === 'diff');
      expect(op.definition).toBe(`http://faelles-tx.dk/fhir/OperationDefinition/${type}-diff`);
      const od = (await request(app).get(`/fhir/OperationDefinition/${type}-diff`).expect(200)).body;
      expect(od.parameter.filter((p: { use: string }) => p.use === 'in').map((p: { name: string }) => p.name)).toEqual(['url', 'from', 'to']);
    }
  });
});

describe('$coverage release impact', () => {
  const impacts = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'impact').map((p) => ({
    kommunekode: part(p, 'kommunekode')?.valueCode, source: part(p, 'source')?.valueCoding?.code, target: part(p, 'target')?.valueCoding?.code,
    change: part(p, 'change')?.valueCode, replacedBy: parts(p, 'replacedBy').map((r) => r.valueCoding?.code),
  }));

  it('names the local codes of every municipality that map to a retired or moved code, with the code to use', async () => {
    const body = (await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}` }).expect(200)).body as Parameters;
    // expected from the maps as written: every mapping to the retired or the moved code
    const expected = (k: string) => sampleCatalog(k).conceptMap.group![0]!.element!.flatMap((el) => el.target!.flatMap((t) =>
      t.code === NEXT.retired ? [{ kommunekode: k, source: el.code, target: t.code, change: 'retired', replacedBy: [NEXT.replacement] }]
        : t.code === NEXT.moved ? [{ kommunekode: k, source: el.code, target: t.code, change: 'moved', replacedBy: [] }] : []))
      .sort((a, b) => a.source!.localeCompare(b.source!) || a.target!.localeCompare(b.target!));
    const found = impacts(body);
    expect(found.filter((i) => i.kommunekode === '147')).toEqual(expected('147'));
    // 101's current map (2.0.0, written above) maps 101-BOLD to the moved code only
    expect(found.filter((i) => i.kommunekode === '101')).toEqual([{ kommunekode: '101', source: '101-BOLD', target: NEXT.moved, change: 'moved', replacedBy: [] }]);
    // the published example municipality's map is among them too
    expect(found.some((i) => i.kommunekode === '370')).toBe(true);
    expect(body.parameter?.find((p) => p.name === 'comparedFrom')?.valueCanonical).toBe(`${FSIII}|20240530`);
  });

  it('for one municipality, and as CSV', async () => {
    const body = (await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}`, kommunekode: '147' }).expect(200)).body as Parameters;
    expect(new Set(impacts(body).map((i) => i.kommunekode))).toEqual(new Set(['147']));
    const csv = await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}`, kommunekode: '147' }).set('Accept', 'text/csv').expect(200);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.local_code, r.target_code, r.change, r.replaced_by])).toEqual(impacts(body).map((i) => [i.source, i.target, i.change, i.replacedBy.join(' ')]));
    expect(rows.find((r) => r.change === 'retired')).toMatchObject({ kommunekode: '147', local_code: '147-KOL', replaced_by: NEXT.replacement });
  });

  it('gives a local display a spreadsheet would run as a formula a leading \' in CSV', async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '461' })}`;
    const concepts = [{ code: '461-KOST', display: '=HYPERLINK("http://evil")', type: 'indsats' as const }];
    const cs = localCodeSystem('461', 'lokale-indsatser', concepts);
    const cm = localConceptMap('461', 'lokale-indsatser', [{ ...concepts[0]!, targets: [NEXT.retired] }]);
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type(JSON_TYPE).send(cs).expect(201);
    await request(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type(JSON_TYPE).send(cm).expect(201);
    const csv = await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}`, kommunekode: '461', _format: 'csv' }).expect(200);
    expect(parse(csv.text, { columns: true })).toEqual([expect.objectContaining({ local_code: '461-KOST', local_display: `'${concepts[0]!.display}`, change: 'retired' })]);
  });

  it("names a local code by its municipality's catalog, as $export does, when the map gives no display or an older one", async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '157' })}`;
    const cs = localCodeSystem('157', 'lokale-indsatser', [
      { code: '157-BOLD', display: 'Boldspil', type: 'indsats' }, { code: '157-KOST', display: 'Kostvejledning i hjemmet', type: 'indsats' },
    ]);
    const cm = localConceptMap('157', 'lokale-indsatser', [
      { code: '157-BOLD', targets: [NEXT.moved] }, { code: '157-KOST', display: 'Kostvejledning', targets: [NEXT.retired] },
    ]);
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type(JSON_TYPE).send(cs).expect(201);
    await request(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type(JSON_TYPE).send(cm).expect(201);
    const exported = parse((await request(app).get('/fhir/ConceptMap/$export').query({ kommunekode: '157', _format: 'csv' }).expect(200)).text, { columns: true }) as Record<string, string>[];
    const expected = Object.fromEntries(exported.map((r) => [r.local_code, r.local_display]));
    expect(expected).toEqual({ '157-BOLD': 'Boldspil', '157-KOST': 'Kostvejledning i hjemmet' });

    const query = { release: `${FSIII}|${NEXT_VERSION}`, kommunekode: '157' };
    const csv = parse((await request(app).get('/fhir/ConceptMap/$coverage').query({ ...query, _format: 'csv' }).expect(200)).text, { columns: true }) as Record<string, string>[];
    expect(Object.fromEntries(csv.map((r) => [r.local_code, r.local_display]))).toEqual(expected);
    const body = (await request(app).get('/fhir/ConceptMap/$coverage').query(query).expect(200)).body as Parameters;
    const sources = (body.parameter ?? []).filter((p) => p.name === 'impact').map((p) => part(p, 'source')?.valueCoding);
    expect(Object.fromEntries(sources.map((c) => [c?.code, c?.display]))).toEqual(expected);
  });

  it('refuses a release without a version or not known, and compareTo without release', async () => {
    await request(app).get('/fhir/ConceptMap/$coverage').query({ release: FSIII }).expect(400);
    await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|2099` }).expect(404);
    await request(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: '101', compareTo: '20240530' }).expect(400);
    await request(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: '101' }).set('Accept', 'text/csv').expect(400);
  });

  it('compares every map from compareTo when it is given, and refuses compareTo naming the release itself', async () => {
    const from = (body: Parameters) => body.parameter?.filter((p) => p.name === 'comparedFrom').map((p) => p.valueCanonical);
    const stated = (await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}` }).expect(200)).body as Parameters;
    const asked = (await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}`, compareTo: '20240530' }).expect(200)).body as Parameters;
    expect(from(asked)).toEqual([`${FSIII}|20240530`]);
    expect(summary(asked)).toEqual(summary(stated));
    const itself = await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|${NEXT_VERSION}`, compareTo: NEXT_VERSION }).expect(400);
    expect(itself.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['compareTo'], details: { text: expect.stringMatching(/is the release itself/) } });
  });
});

describe('$coverage release impact of an earlier release', () => {
  it('leaves out a map made for a later version (what the release "removes" came after it), and refuses compareTo later than the release', async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '108' })}`;
    const cs = localCodeSystem('108', 'senere', [{ code: '108-A', display: 'A', type: 'indsats' }]);
    const cm = localConceptMap('108', 'senere', [{ code: '108-A', targets: [NEXT.moved] }], cs.url);
    cm.group![0]!.targetVersion = NEXT_VERSION;
    for (const r of [cs, cm]) await request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', auth).type(JSON_TYPE).send(r).expect(201);
    const earlier = (await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|20240530`, kommunekode: '108' }).expect(200)).body as Parameters;
    expect((earlier.parameter ?? []).filter((p) => p.name === 'impact')).toEqual([]);
    const later = await request(app).get('/fhir/ConceptMap/$coverage').query({ release: `${FSIII}|20240530`, compareTo: NEXT_VERSION }).expect(400);
    expect(later.body.issue[0]).toMatchObject({ expression: ['compareTo'], details: { text: expect.stringMatching(/is later than the release 20240530; give an earlier version$/) } });
  });
});

describe('$diff and the response cache', () => {
  it('is answered again from the cache, until a new version of the canonical is written', async () => {
    const own = await testApp();
    const MAP = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser';
    const put = async (resource: { resourceType: string; id?: string }) =>
      request(own).put(`/fhir/${resource.resourceType}/${resource.id}`).set('Authorization', auth101).type(JSON_TYPE).send(resource).expect((r) => expect(r.status).toBeLessThan(300));
    const { codeSystem, conceptMap } = sampleCatalog('101');
    await put(codeSystem);
    const write = async (version: string, codes: string[]) => {
      const map = version === '1.0.0' ? conceptMap : localConceptMap('101', 'lokale-indsatser', codes.map((code) => ({ code, display: code, targets: [CODES.kostvejledning] })));
      map.version = version;
      await put(map);
    };
    const hits = async () => Number(/^faelles_tx_response_cache_hits_total (\d+)/m.exec((await request(own).get('/metrics').expect(200)).text)?.[1]);
    // one Host: an answer is kept per base URL, and supertest listens on another port for every request
    const diff = async () => (await request(own).get('/fhir/ConceptMap/$diff').set('Host', 'tx.example').query({ url: MAP }).expect(200)).body as Parameters;
    await write('1.0.0', []);
    await write('2.0.0', ['101-KOL', '101-BOLD']);
    const first = await diff();
    expect(first.parameter!.find((p) => p.name === 'to')?.valueCanonical).toBe(`${MAP}|2.0.0`);
    const before = await hits();
    expect(await diff()).toEqual(first);
    expect(await hits()).toBe(before + 1);
    await write('3.0.0', ['101-KOL']);
    const after = await diff();
    expect(after.parameter!.find((p) => p.name === 'to')?.valueCanonical).toBe(`${MAP}|3.0.0`);
    expect(changeOf(after, 'removed').map((c) => part(c, 'concept')?.valueCoding?.code)).toEqual(['101-BOLD']);
  });
});

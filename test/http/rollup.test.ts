import fs from 'node:fs';
import type { CapabilityStatement, CodeSystem, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { MemoryStore } from '../../src/store/memory-store';
import { COUNTS_CSV, countRows, DATA_USE_DIR, importDataUseCatalogs, localCatalogs, replacedByOfStatusSupplement, type CountRow } from '../support/data-use';
import { fsiiiIndex, readJson } from '../support/files';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { part } from '../support/parameters';
import { atScale } from '../support/scale';

const CONDITIONS_ROOT = '0fa991ef-adf5-4202-8cfe-a31454ed6e9d'; // Kommunale sundhedsfremme og forebyggelsestilstande
const GATEWAY = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';
const CONDITION_ALKOHOL = '57b8979f-cf46-4312-aafa-3a0dd93aa921'; // Alkohol, a condition (tilstand)

let app: App;
const csv = fs.readFileSync(COUNTS_CSV, 'utf8');

beforeAll(async () => {
  app = await testApp();
  await importDataUseCatalogs(app);
});

// ---- the expectation, computed the obvious way from the files ----

interface Expected {
  niveau2: Map<string, number>;
  niveau1: Map<string, number>;
  area: Map<string, number>;
  notCounted: Map<number, string>;
  input: number;
}

function niveau1OfCatalog(): Map<string, string> {
  const cs = readJson<CodeSystem>('supplements/CodeSystem-fsiii-indsatskatalog.json');
  return new Map((cs.concept ?? []).map((c) => [c.code, c.property!.find((p) => p.code === 'niveau1')!.valueCode!]));
}

/** The municipality a local system belongs to, from its URL (the gateway system: the row's). */
function ownerOf(system: string, row: CountRow): string | undefined {
  if (system === GATEWAY) return row.kommunekode;
  return /\/kommune\/(\d{3})\//.exec(system)?.[1];
}

function expected(offers: 'each-target' | 'exclude', depth: number): Expected {
  const locals = localCatalogs();
  const replacedBy = replacedByOfStatusSupplement();
  const niveau1 = niveau1OfCatalog();
  const fsiii = fsiiiIndex();
  const out: Expected = { niveau2: new Map(), niveau1: new Map(), area: new Map(), notCounted: new Map(), input: 0 };
  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);
  for (const row of countRows()) {
    out.input += row.count;
    if (row.system === FSIII) {
      if (!fsiii.nodes.has(row.code)) {
        out.notCounted.set(row.line, 'unknown-code');
        continue;
      }
      // root first: [root, area, condition]
      const chain = [...fsiii.ancestors(row.code)].reverse().concat(row.code);
      expect(chain[0]).toBe(CONDITIONS_ROOT); // the example's common codes are all prevention conditions
      add(out.area, `${row.kommunekode}|${chain[Math.min(depth, chain.length - 1)]}`, row.count);
      continue;
    }
    const owner = ownerOf(row.system, row);
    if (owner !== row.kommunekode) {
      out.notCounted.set(row.line, 'other-municipality');
      continue;
    }
    const entry = locals.get(row.kommunekode)?.get(row.code);
    if (!entry) {
      out.notCounted.set(row.line, 'unknown-code');
      continue;
    }
    if (entry.kind === 'tilbud' && offers === 'exclude') {
      out.notCounted.set(row.line, 'offer-excluded');
      continue;
    }
    for (const target of entry.targets) {
      const current = replacedBy.get(target) ?? target;
      add(out.niveau2, `${row.kommunekode}|${current}`, row.count);
      add(out.niveau1, `${row.kommunekode}|${niveau1.get(current)}`, row.count);
    }
  }
  return out;
}

// ---- reading the answer ----

function all(body: Parameters, name: string): ParametersParameter[] {
  return (body.parameter ?? []).filter((p) => p.name === name);
}

function counts(body: Parameters, name: string, codingName: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of all(body, name)) {
    const key = `${part(p, 'kommunekode')?.valueCode}|${part(p, codingName)?.valueCoding?.code}`;
    expect(out.has(key)).toBe(false);
    out.set(key, part(p, 'count')!.valueInteger!);
  }
  return out;
}

function summary(body: Parameters): Record<string, number> {
  return Object.fromEntries((all(body, 'summary')[0]?.part ?? []).map((p) => [p.name, p.valueInteger!]));
}

function rollupCsv(query = '') {
  return request(app).post(`/fhir/ConceptMap/$rollup${query}`).set('Content-Type', 'text/csv').send(csv);
}

describe('ConceptMap/$rollup', () => {
  it('rolls the three municipalities\' counts up to niveau 2, niveau 1 and condition areas as the obvious computation does', async () => {
    const res = await rollupCsv().expect(200);
    const body = res.body as Parameters;
    const want = expected('each-target', 1);
    expect(counts(body, 'niveau2', 'intervention')).toEqual(want.niveau2);
    expect(counts(body, 'niveau1', 'niveau1')).toEqual(want.niveau1);
    expect(counts(body, 'area', 'area')).toEqual(want.area);
    expect(new Map(all(body, 'notCounted').map((p) => [part(p, 'line')!.valueInteger!, part(p, 'reason')!.valueCode!]))).toEqual(want.notCounted);
    // the sums reconcile with the input
    const s = summary(body);
    expect(s.inputCount).toBe(want.input);
    expect(s.interventionInput! + s.conditionInput! + s.notCountedInput!).toBe(s.inputCount);
    expect(s.niveau2Total).toBe(s.interventionInput! + s.offerExtra!);
    expect(s.niveau1Total).toBe(s.niveau2Total);
    expect(s.areaTotal).toBe(s.conditionInput);
    expect(s.offerExtra).toBeGreaterThan(0);
    // it says what it counts
    const counting = all(body, 'counting')[0]?.valueString ?? '';
    expect(counting).toMatch(/not citizens/);
    expect(counting).toMatch(/offer/i);
    const danish = (await rollupCsv().set('Accept-Language', 'da').expect(200)).body as Parameters;
    expect(all(danish, 'counting')[0]?.valueString).toMatch(/ikke borgere/);
    // each niveau-2 line has its paragraph
    for (const n of all(body, 'niveau2')) expect(part(n, 'lovparagraf')?.valueString).toMatch(/^Sundhedsloven §1(19|40)$/);
  });

  it('counts tobacco on one code in every municipality: the retired target is followed and reported', async () => {
    const body = (await rollupCsv().expect(200)).body as Parameters;
    const n2 = counts(body, 'niveau2', 'intervention');
    expect(n2.get(`101|${CODES.nikotin}`)).toBe(12);
    expect(n2.get(`101|${CODES.tobaksafvaenningRetired}`)).toBeUndefined();
    expect(n2.get(`147|${CODES.nikotin}`)).toBe(9);
    const replaced = all(body, 'replaced').find((p) => part(p, 'code')?.valueCode === '101-RYGESTOP')!;
    expect(part(replaced, 'replaced')?.valueCoding?.code).toBe(CODES.tobaksafvaenningRetired);
    expect(part(replaced, 'replacement')?.valueCoding?.code).toBe(CODES.nikotin);
    expect(part(replaced, 'status')?.valueCode).toBe('retired');
  });

  it('names a retired code counted as it is, because no successor is named', async () => {
    const body = (await rollupCsv().expect(200)).body as Parameters;
    const replacedBy = replacedByOfStatusSupplement();
    const retiredWithout = countRows().filter((r) => r.system === FSIII && fsiiiIndex().nodes.has(r.code) &&
      readJson<CodeSystem>('supplements/CodeSystem-fsiii-status.json').concept!.some((c) => c.code === r.code) && !replacedBy.has(r.code));
    expect(retiredWithout.length).toBeGreaterThan(0);
    expect(all(body, 'outdated').map((p) => part(p, 'line')?.valueInteger).sort()).toEqual(retiredWithout.map((r) => r.line).sort());
    for (const p of all(body, 'outdated')) expect(part(p, 'status')?.valueCode).toBe('retired');
  });

  it('gives the comparison table with layout=wide: one line per intervention, a column per municipality', async () => {
    const res = await rollupCsv('?layout=wide').set('Accept', 'text/csv').expect(200);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(res.text.split('\n')[0]).toBe('level,code,display,lovparagraf,101,147,370');
    const want = expected('each-target', 1);
    for (const [key, count] of want.niveau2) {
      const [kommunekode, code] = key.split('|');
      expect(Number(rows.find((r) => r.level === 'niveau2' && r.code === code)![kommunekode!])).toBe(count);
    }
    // every niveau-2 line once; a municipality without the intervention has 0
    const n2 = rows.filter((r) => r.level === 'niveau2');
    expect(new Set(n2.map((r) => r.code)).size).toBe(n2.length);
    const cells = n2.flatMap((r) => ['101', '147', '370'].map((k) => Number(r[k])));
    expect(cells.reduce((a, b) => a + b, 0)).toBe([...want.niveau2.values()].reduce((a, b) => a + b, 0));
    const notCounted = rows.find((r) => r.level === 'not-counted')!;
    expect(Number(notCounted['101']) + Number(notCounted['147']) + Number(notCounted['370']))
      .toBe(countRows().filter((r) => want.notCounted.has(r.line)).reduce((n, r) => n + r.count, 0));
    expect(notCounted.display).toBe('not counted (see the long layout)');
  });

  it('titles the wide table\'s line of what was not counted in Danish when the caller asks for Danish (the web page\'s download)', async () => {
    const line = async (language: string) => {
      const res = await rollupCsv('?layout=wide').set('Accept', 'text/csv').set('Accept-Language', language).expect(200);
      return (parse(res.text, { columns: true }) as Record<string, string>[]).find((r) => r.level === 'not-counted')!;
    };
    const danish = await line('da');
    expect(danish.display).toBe('ikke talt (hver række og årsagen står i den lange opstilling)');
    expect([danish['101'], danish['147'], danish['370']]).toEqual(['3', '0', '3']);
    expect((await line('da-DK, en;q=0.5')).display).toBe('ikke talt (hver række og årsagen står i den lange opstilling)');
    expect((await line('en')).display).toBe('not counted (see the long layout)');
    expect((await line('nb, en;q=0.8, da;q=0.5')).display).toBe('not counted (see the long layout)');
  });

  it('offers=exclude leaves offers out and lists them, and the sums still reconcile', async () => {
    const body = (await rollupCsv('?offers=exclude').expect(200)).body as Parameters;
    const want = expected('exclude', 1);
    expect(counts(body, 'niveau2', 'intervention')).toEqual(want.niveau2);
    expect(counts(body, 'niveau1', 'niveau1')).toEqual(want.niveau1);
    const s = summary(body);
    expect(s.offerExtra).toBe(0);
    expect(s.interventionInput! + s.conditionInput! + s.notCountedInput!).toBe(want.input);
    expect(all(body, 'notCounted').filter((p) => part(p, 'reason')?.valueCode === 'offer-excluded')).toHaveLength(3);
  });

  it('conditionDepth chooses the level of the condition hierarchy', async () => {
    for (const depth of [0, 2]) {
      const body = (await rollupCsv(`?conditionDepth=${depth}`).expect(200)).body as Parameters;
      expect(counts(body, 'area', 'area')).toEqual(expected('each-target', depth).area);
    }
  });

  it('takes the rows as Parameters too, with the same answer', async () => {
    const rows = countRows().map((r) => ({ name: 'row', part: [
      { name: 'kommunekode', valueCode: r.kommunekode }, { name: 'system', valueUri: r.system }, { name: 'code', valueCode: r.code },
      { name: 'count', valueInteger: r.count }, { name: 'period', valueString: r.period }] }));
    const fromParameters = await request(app).post('/fhir/ConceptMap/$rollup').type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: rows }).expect(200);
    const fromCsv = await rollupCsv().expect(200);
    const withoutLines = (b: Parameters) => JSON.stringify(b).replace(/"name":"line","valueInteger":\d+/g, '');
    expect(withoutLines(fromParameters.body as Parameters)).toBe(withoutLines(fromCsv.body as Parameters));
  });

  it('answers CSV with Accept: text/csv, the same numbers as the Parameters', async () => {
    const res = await rollupCsv().set('Accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    const want = expected('each-target', 1);
    const of = (level: string) => new Map(rows.filter((r) => r.level === level).map((r) => [`${r.kommunekode}|${r.code}`, Number(r.count)]));
    expect(of('niveau2')).toEqual(want.niveau2);
    expect(of('niveau1')).toEqual(want.niveau1);
    expect(of('area')).toEqual(want.area);
    expect(rows.filter((r) => r.level === 'not-counted').map((r) => r.reason).sort()).toEqual([...want.notCounted.values()].sort());
    expect(rows.every((r) => r.period === '2026-K1')).toBe(true);
  });

  it('says why a row was not counted, and what it was counted on, in Danish to a caller who asks (the level and reason codes stay)', async () => {
    const notes = async (language: string) => {
      const res = await rollupCsv().set('Accept', 'text/csv').set('Accept-Language', language).expect(200);
      const rows = parse(res.text, { columns: true }) as Record<string, string>[];
      return rows.filter((r) => r.level === 'not-counted' || r.level === 'replaced' || r.level === 'outdated').map((r) => [r.level, r.reason, r.note]);
    };
    const [english, danish] = [await notes('en'), await notes('da')];
    expect(danish.map(([level, reason]) => [level, reason])).toEqual(english.map(([level, reason]) => [level, reason]));
    expect(english.every(([, , note]) => /^line \d+: /.test(note!))).toBe(true);
    expect(danish.every(([, , note]) => /^linje \d+: /.test(note!))).toBe(true);
    expect(danish.filter(([level]) => level === 'not-counted').map(([, , note]) => note)).toContainEqual(expect.stringMatching(/er ikke en kode i/));
    expect(danish.filter(([level]) => level === 'replaced').map(([, , note]) => note)).toContainEqual(expect.stringMatching(/ talt på /));
    const parameters = (await rollupCsv().set('Accept-Language', 'da').expect(200)).body as Parameters;
    expect(all(parameters, 'notCounted').map((p) => part(p, 'message')?.valueString)).toContainEqual(expect.stringMatching(/er ikke en kode i/));
  });

  it('answers in Danish to a caller who prefers Danish to English by the server\'s one rule (nb, da;q=0.8), its statuses in Danish words', async () => {
    const parameters = (await rollupCsv().set('Accept-Language', 'nb, da;q=0.8').expect(200)).body as Parameters;
    expect(all(parameters, 'counting')[0]?.valueString).toMatch(/ikke borgere/);
    expect(all(parameters, 'notCounted').map((p) => part(p, 'message')?.valueString)).toContainEqual(expect.stringMatching(/er ikke en kode i/));
    const res = await rollupCsv().set('Accept', 'text/csv').set('Accept-Language', 'nb, da;q=0.8').expect(200);
    const outdated = (parse(res.text, { columns: true }) as Record<string, string>[]).filter((r) => r.level === 'outdated').map((r) => r.note);
    expect(outdated.length).toBeGreaterThan(0);
    for (const note of outdated) expect(note).toMatch(/^linje \d+: talt på \S+ selv \(udgået; ingen afløser er angivet\)$/);
  });

  it('answers CSV to Accept: text/csv;header=present', async () => {
    const res = await rollupCsv().set('Accept', 'text/csv;header=present').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text.split(/\r?\n/)[0]!.split(',')[0]).toBe('level');
  });

  it('says why a row is not counted: unmapped local code, unknown code system', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const cs = localCodeSystem('101', 'uden-kort', [{ code: '101-X', display: 'Ikke koblet endnu', type: 'indsats' }]);
    await request(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(cs).expect(201);
    const row = (system: string, code: string, count: number) => ({ name: 'row', part: [{ name: 'kommunekode', valueCode: '101' },
      { name: 'system', valueUri: system }, { name: 'code', valueCode: code }, { name: 'count', valueInteger: count }] });
    const body = (await request(app).post('/fhir/ConceptMap/$rollup').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [
      row(cs.url!, '101-X', 4), row('http://example.org/no-such-system', 'a', 2), row(FSIII, CODES.fysiskTraening119, 3)] }).expect(200)).body as Parameters;
    expect(all(body, 'notCounted').map((p) => [part(p, 'line')?.valueInteger, part(p, 'reason')?.valueCode])).toEqual([[1, 'unmapped'], [2, 'unknown-system']]);
    // a niveau-2 code documented directly counts as itself
    expect(counts(body, 'niveau2', 'intervention')).toEqual(new Map([[`101|${CODES.fysiskTraening119}`, 3]]));
    expect(summary(body)).toMatchObject({ inputCount: 9, interventionInput: 3, notCountedInput: 6, niveau2Total: 3 });
  });

  it('refuses two columns (or row parts) giving one field, and reads a kommune column beside kommunekode as the name it is', async () => {
    const post = (text: string) => request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept-Language', 'da').send(text);
    const both = await post(`kommunekode,system,kode,antal,count\n101,${FSIII},${CODES.fysiskTraening119},5,50\n`).expect(400);
    expect(both.body.issue[0].details.text).toBe("CSV-filens kolonner 'antal' og 'count' angiver begge antallet; behold én af dem");
    // a Danish export: the municipality's name beside its code
    const named = (await post(`kommunekode;kommune;system;kode;antal\n101;København;${FSIII};${CODES.fysiskTraening119};5\n`).expect(200)).body as Parameters;
    expect(counts(named, 'niveau2', 'intervention')).toEqual(new Map([[`101|${CODES.fysiskTraening119}`, 5]]));
    // kommune alone is still the code
    const alone = (await post(`kommune,system,kode,antal\n147,${FSIII},${CODES.fysiskTraening119},4\n`).expect(200)).body as Parameters;
    expect(counts(alone, 'niveau2', 'intervention')).toEqual(new Map([[`147|${CODES.fysiskTraening119}`, 4]]));
    // as a row part: kommune beside kommunekode is the name, not read
    const namedPart = (await request(app).post('/fhir/ConceptMap/$rollup').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [{ name: 'row', part: [
      { name: 'kommunekode', valueCode: '101' }, { name: 'kommune', valueString: 'København' }, { name: 'system', valueUri: FSIII },
      { name: 'code', valueCode: CODES.fysiskTraening119 }, { name: 'count', valueInteger: 5 }] }] }).expect(200)).body as Parameters;
    expect(counts(namedPart, 'niveau2', 'intervention')).toEqual(new Map([[`101|${CODES.fysiskTraening119}`, 5]]));
    const parts = await request(app).post('/fhir/ConceptMap/$rollup').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [{ name: 'row', part: [
      { name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODES.fysiskTraening119 },
      { name: 'count', valueInteger: 5 }, { name: 'antal', valueInteger: 50 }] }] }).expect(400);
    expect(parts.body.issue[0].diagnostics ?? parts.body.issue[0].details.text).toMatch(/^row 1: two parts give the count \('antal' and another\); give it once$/);
  });

  it('refuses a row part of another type than its own, or of another name, as a parameter of the operation is refused (400 naming the part)', async () => {
    const rollupRow = (parts: ParametersParameter[], language = 'en') => request(app).post('/fhir/ConceptMap/$rollup').set('Accept-Language', language)
      .type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [{ name: 'row', part: parts }] });
    const row = (count: ParametersParameter, ...extra: ParametersParameter[]): ParametersParameter[] => [
      { name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODES.fysiskTraening119 }, count, ...extra];
    await rollupRow(row({ name: 'count', valueInteger: 5 })).expect(200);
    await rollupRow(row({ name: 'antal', valuePositiveInt: 5 })).expect(200);
    for (const count of [{ valueString: ' 5' }, { valueString: '5' }, { valueCode: '5' }, { valueDecimal: 5 }, { valueBoolean: true }]) {
      const res = await rollupRow(row({ name: 'count', ...count })).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['Parameters.parameter[0].part[3]'] });
      expect(res.body.issue[0].details.text)
        .toBe(`Parameter 'row.count' is of type integer: send it as valueInteger or valuePositiveInt or valueUnsignedInt, not ${Object.keys(count)[0]}`);
    }
    const danish = await rollupRow(row({ name: 'antal', valueDecimal: 5 }), 'da').expect(400);
    expect(danish.body.issue[0].details.text).toBe("Parameteren 'row.antal' er af typen integer: send den som valueInteger eller valuePositiveInt eller valueUnsignedInt, ikke valueDecimal");
    const system = await rollupRow([{ name: 'system', valueInteger: 1 }, ...row({ name: 'count', valueInteger: 5 }).slice(2)]).expect(400);
    expect(system.body.issue[0].expression).toEqual(['Parameters.parameter[0].part[0]']);
    for (const extra of [{ name: 'zzz', valueString: 'x' }, { name: 'row', part: [{ name: 'count', valueInteger: 1 }] }]) {
      const res = await rollupRow(row({ name: 'count', valueInteger: 5 }, extra)).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['Parameters.parameter[0].part[4]'] });
      expect(res.body.issue[0].details.text).toMatch(new RegExp(`^Parameter 'row' has a part '${extra.name}'; its parts are kommunekode, system, code, count, district, period, kommune, kode, antal, `));
    }
    const unknownDa = await rollupRow(row({ name: 'count', valueInteger: 5 }, { name: 'zzz', valueString: 'x' }), 'da').expect(400);
    expect(unknownDa.body.issue[0].details.text).toMatch(/^Parameteren 'row' har en del 'zzz'; dens dele er kommunekode, /);
  });

  it('counts a common code documented directly only when it is a niveau-2 intervention, service or offer, or a condition', async () => {
    const row = (system: string, code: string, count: number) => ({ name: 'row', part: [{ name: 'kommunekode', valueCode: '101' },
      { name: 'system', valueUri: system }, { name: 'code', valueCode: code }, { name: 'count', valueInteger: count }] });
    const ffbService = (await request(app).get('/fhir/ValueSet/$expand').query({ url: 'http://faelles-tx.dk/fhir/ValueSet/ffb-ydelser', count: 1 }).expect(200)).body.expansion.contains[0];
    const rows = [
      row(FSIII, CODES.paragraf119, 7), // the §119 grouping (niveau 1)
      row('http://hl7.org/fhir/administrative-gender', 'male', 5), // a known code system, not a catalog
      row(FSIII, CODES.fysiskTraening119, 3),
      row(ffbService.system, ffbService.code, 2),
      row(FSIII, CONDITION_ALKOHOL, 4),
    ];
    for (const language of ['en', 'da']) {
      const body = (await request(app).post('/fhir/ConceptMap/$rollup').set('Accept-Language', language).type('application/fhir+json')
        .send({ resourceType: 'Parameters', parameter: rows }).expect(200)).body as Parameters;
      expect(notCountedOf(body).map(([, reason]) => reason)).toEqual(['not-niveau2', 'not-niveau2']);
      expect(notCountedOf(body)[0]![2]).toMatch(language === 'en' ? /is neither a common \(niveau 2\) intervention, service or offer nor a condition$/ : /er hverken en fælleskommunal indsats/);
      expect(counts(body, 'niveau2', 'intervention')).toEqual(new Map([[`101|${CODES.fysiskTraening119}`, 3], [`101|${ffbService.code}`, 2]]));
      expect(summary(body)).toMatchObject({ inputCount: 21, interventionInput: 5, conditionInput: 4, notCountedInput: 12, niveau2Total: 5 });
    }
  });

  it('compares districts of one municipality: conditions per area and district (the seed\'s Bydel 1 and Bydel 2)', async () => {
    const mental = ['525b5dd8-d62b-4efa-bf66-262ac47eca5b', '0520a107-2bb0-47b8-8856-c53e27607e51', 'ba083ca7-fe46-41d0-acd5-85851ac8137f'];
    const behaviour = ['1a34ed6c-083b-451f-b8c8-137f99126b0c', '57b8979f-cf46-4312-aafa-3a0dd93aa921', 'f1f1eee3-a3ea-4ca1-bfa9-ebb381af1a1f'];
    const lines = ['kommunekode;bydel;system;kode;antal'];
    const want = new Map<string, number>();
    let n = 1;
    for (const [district, codes, area] of [['Bydel 1', behaviour, 'b349c7ec-86c5-4c52-aaf2-9034d98b0e3b'], ['Bydel 1', mental, '3547a306-8623-4713-a8ce-db1e82839c50'],
      ['Bydel 2', mental, '3547a306-8623-4713-a8ce-db1e82839c50']] as const) {
      for (const code of codes) {
        lines.push(`101;${district};${FSIII};${code};${n}`);
        want.set(`${district}|${area}`, (want.get(`${district}|${area}`) ?? 0) + n);
        n++;
      }
    }
    const body = (await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(`${lines.join('\n')}\n`).expect(200)).body as Parameters;
    const got = new Map(all(body, 'area').map((p) => [`${part(p, 'district')?.valueString}|${part(p, 'area')?.valueCoding?.code}`, part(p, 'count')!.valueInteger!]));
    expect(got).toEqual(want);
    const wide = await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv')
      .send(`${lines.join('\n')}\n`).expect(200);
    expect(wide.text.split('\n')[0]).toBe('level,code,display,lovparagraf,101 Bydel 1,101 Bydel 2');
  });

  it('gives a district a spreadsheet would run as a formula a leading \' in CSV, and writes the counts as plain numbers', async () => {
    const body = `kommunekode;bydel;system;kode;antal\n101;=SUM(A1);${FSIII};${CODES.fysiskTraening119};7\n101;-Vest;${FSIII};${CODES.fysiskTraening119};3\n`;
    const long = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(body).expect(200);
    const niveau2 = (parse(long.text, { columns: true }) as Record<string, string>[]).filter((r) => r.level === 'niveau2');
    expect(niveau2.map((r) => [r.district, r.code, r.count, r.direct])).toEqual([["'-Vest", CODES.fysiskTraening119, '3', '3'], ["'=SUM(A1)", CODES.fysiskTraening119, '7', '7']]);
    expect(long.text).toMatch(/^niveau2,101,'=SUM\(A1\),.*,7,7,0,,$/m);
    const wide = await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(body).expect(200);
    expect(wide.text.split('\n')[0]).toBe('level,code,display,lovparagraf,101 -Vest,101 =SUM(A1)');
    expect(wide.text).toMatch(new RegExp(`^niveau2,${CODES.fysiskTraening119},.*,3,7$`, 'm'));
    const json = (await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(body).expect(200)).body as Parameters;
    expect(all(json, 'niveau2').map((p) => part(p, 'district')?.valueString)).toEqual(['-Vest', '=SUM(A1)']);
  });

  it('refuses bad input with 400 and says where', async () => {
    const noCount = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send('kommunekode,system,kode\n101,x,y\n').expect(400);
    expect(JSON.stringify(noCount.body)).toMatch(/count/);
    const negative = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv')
      .send(`kommunekode,system,kode,antal\n101,${FSIII},x,-3\n`).expect(400);
    expect(JSON.stringify(negative.body)).toMatch(/line 2/);
    // blank lines count as lines of the file
    const blank = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv')
      .send(`kommunekode,system,kode,antal\n\n101,${FSIII},x,3\n\n101,${FSIII},y,z\n`).expect(400);
    expect(JSON.stringify(blank.body)).toMatch(/line 5/);
    const kommune = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv')
      .send(`kommunekode,system,kode,antal\n1O1,${FSIII},x,3\n`).expect(400);
    expect(JSON.stringify(kommune.body)).toMatch(/kommunekode/);
    await request(app).post('/fhir/ConceptMap/$rollup').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [] }).expect(400);
    await rollupCsv('?offers=twice').expect(400);
    // other operations do not take CSV
    const translate = await request(app).post('/fhir/ConceptMap/$translate').set('Content-Type', 'text/csv').send(csv).expect(415);
    expect((translate.body as OperationOutcome).issue[0]?.details?.text).toBe("Content-Type 'text/csv' is not supported; send application/fhir+json");
    // a CSV file as a desktop labels it: told to send text/csv, which the roll-up takes
    const excel = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'application/vnd.ms-excel').set('Accept-Language', 'da').send(csv).expect(415);
    expect((excel.body as OperationOutcome).issue[0]?.details?.text).toBe("Content-Type 'application/vnd.ms-excel' understøttes ikke; send text/csv eller application/fhir+json");
  });

  it('reads a text/csv body in the charset it names, and refuses bytes that are not text in it instead of reading them as U+FFFD', async () => {
    const rows = `kommunekode;system;kode;antal;bydel\n101;${FSIII};ab87c0b5-40be-4e0a-b749-d9f833bfed2d;3;Østerbro\n101;${FSIII};ab87c0b5-40be-4e0a-b749-d9f833bfed2d;2;Nørrebro\n`;
    const windows1252 = Buffer.from(rows, 'latin1');
    const send = (type: string, body: Buffer) =>
      request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', type).set('Accept', 'text/csv').send(body);
    const named = await send('text/csv; charset=windows-1252', windows1252).expect(200);
    expect(named.text.split('\n')[0]).toBe('level,code,display,lovparagraf,101 Nørrebro,101 Østerbro');
    expect((await send('text/csv', Buffer.from(rows, 'utf8')).expect(200)).text).toBe(named.text);
    const unnamed = await send('text/csv', windows1252).set('Accept-Language', 'da').expect(400);
    expect(unnamed.body.issue[0].details.text).toMatch(/^CSV-filen er ikke UTF-8-tekst; gem den som UTF-8/);
    expect(unnamed.body.issue[0].expression).toEqual(['csv']);
    // a byte order mark outweighs the charset named: a "CSV UTF-8" file sent by an integration that names windows-1252
    const bom = await send('text/csv; charset=windows-1252', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rows, 'utf8')])).expect(200);
    expect(bom.text).toBe(named.text);
    // a mark and then bytes that are not UTF-8: naming a charset cannot help, and the answer does not suggest it
    const mixed = await send('text/csv; charset=windows-1252', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), windows1252])).set('Accept-Language', 'da').expect(400);
    expect(mixed.body.issue[0].details.text).toBe('CSV-filen begynder med et UTF-8-byte order mark, men er ikke UTF-8-tekst; gem den igen som UTF-8 (i Excel: "CSV UTF-8 (kommasepareret)")');
    const unknown = await send('text/csv; charset=x-unheard-of', windows1252).expect(415);
    expect(unknown.body.issue[0].code).toBe('not-supported');
  });

  it('reads every row however the lines are broken: blank lines and line breaks in quoted cells count toward no limit', async () => {
    // the rows, not the lines, are limited: a blank line once let one row over the limit go unread and unreported
    // (rows of empty cells: the count is checked before the cells)
    const over = `kommunekode,system,kode,antal\r\n\r\n${',,,\r\n'.repeat(200_001)}`;
    const refused = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(over).expect(400);
    expect(refused.body.issue[0].details.text).toMatch(/more than 200000 rows/);
  });

  it('refuses a header or a row of more than 100 fields (as the import\'s default) before it is split, in English and Danish', async () => {
    const post = (body: string, language = 'en') => request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept-Language', language).send(body).expect(400);
    // split, the full-size line's ten million fields would hold the server for seconds
    const width = atScale(1_000_000, 10_000_000);
    const header = await post(`kommunekode,system,code,count${','.repeat(width)}\n101,${FSIII},x,1\n`);
    expect(header.body.issue[0].details.text).toBe('Line 1 has more than 100 fields; at most 100 columns are accepted');
    expect(header.body.issue[0].expression).toEqual(['csv']);
    const row = await post(`kommunekode,system,code,count\r\n101,${FSIII},x,1\r\n101,${FSIII},x,1${',\n'.repeat(50)}${','.repeat(width)}\r\n`, 'da');
    // a lone LF does not end a row in a file of CRLF lines: all of them are one row's
    expect(row.body.issue[0].details.text).toBe('Linje 53 har mere end 100 felter; højst 100 kolonner kan bruges.');
    // commas in quoted cells are text, not fields
    await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(`kommunekode,system,code,count,district\n101,${FSIII},x,1,"${','.repeat(500)}"\n`).expect(200);
  });

  it("names the line an editor shows after a quoted cell holding a CRLF, and reads a file whose lines end in CR alone (Excel's \"CSV (Macintosh)\")", async () => {
    const post = (body: string) => request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(body);
    const code = 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d';
    const crlf = await post(`kommunekode,system,kode,antal,bydel\r\n101,${FSIII},${code},3,"Bydel\r\nNord\r\nX"\r\n101,${FSIII},${code},x,a\r\n`).expect(400);
    expect(crlf.body.issue[0].details.text).toMatch(/^CSV line 5:/);
    const cr = await post(`kommunekode;system;kode;antal;bydel\r101;${FSIII};${code};2;Nord, Syd, Øst, Vest, Midt, By, Land, Ø, Hav\r101;${FSIII};${code};1;Vest\r`).expect(200);
    expect(cr.text.split('\n')[0]).toBe('level,code,display,lovparagraf,"101 Nord, Syd, Øst, Vest, Midt, By, Land, Ø, Hav",101 Vest');
  });

  it('says in Danish, for a Danish caller, why a CSV cannot be read, and on which line', async () => {
    const post = (body: string) => request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept-Language', 'da').send(body).expect(400);
    const quote = await post(`kommunekode,system,code,count\n101,a"b,x,1\n`);
    expect(quote.body.issue[0].details.text).toBe('Filen er ikke gyldig CSV: linje 2 har et anførselstegn inde i et felt, der ikke begynder med et; sæt hele feltet i anførselstegn, og skriv anførselstegnene i det dobbelt ("").');
    const width = await post(`kommunekode,system,code,count\n101,${FSIII},x,1\n101,${FSIII},x,1,7\n`);
    expect(width.body.issue[0].details.text).toBe('Filen er ikke gyldig CSV: linje 3 har 5 felter, ikke lige så mange som overskriftslinjen.');
  });

  it('is listed in the CapabilityStatement with its OperationDefinition', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const ops = cs.rest![0]!.resource!.find((r) => r.type === 'ConceptMap')!.operation!;
    const op = ops.find((o) => o.name === 'rollup')!;
    expect(op.definition).toBe('http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-rollup');
    const def = await request(app).get('/fhir/OperationDefinition/ConceptMap-rollup').expect(200);
    expect(def.body.url).toBe(op.definition);
    expect(def.body.parameter.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['row', 'offers', 'conditionDepth', 'niveau2', 'notCounted']));
    // every operation the CapabilityStatement names by one of this server's definitions can be read
    for (const o of cs.rest![0]!.resource!.flatMap((r) => r.operation ?? []).filter((x) => x.definition.startsWith('http://faelles-tx.dk/'))) {
      const read = await request(app).get(`/fhir/OperationDefinition/${o.definition.split('/').pop()}`).expect(200);
      expect(read.body.url).toBe(o.definition);
      expect(read.body.code).toBe(o.name);
    }
    await request(app).get('/fhir/OperationDefinition/ValueSet-no-such-operation').expect(404);
  });
});

// ---- a local code counts once: maps in use, their versions, and the size of the answer ----

const AFKLARENDE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c'; // Afklarende samtale

/** Imports a local catalog (kode,titel,type,maal) as the municipality, as version `version` when given. */
async function importCatalog(kommunekode: string, lines: string[], version?: string, header = 'kode,titel,type,maal,definition') {
  const token = await tokenFor({ kommunekode });
  await request(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type('application/fhir+json')
    .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: `${header}\n${lines.join('\n')}\n` },
      ...(version ? [{ name: 'version', valueString: version }] : [])] }).expect(200);
}

const catalogOf = (kommunekode: string, type: 'CodeSystem' | 'ConceptMap') => `http://faelles-tx.dk/fhir/kommune/${kommunekode}/${type}/lokale-indsatser`;

function rowsCsv(kommunekode: string, rows: [string, number][]) {
  return `kommunekode,system,kode,antal\n${rows.map(([code, n]) => `${kommunekode},${catalogOf(kommunekode, 'CodeSystem')},${code},${n}`).join('\n')}\n`;
}

function notCountedOf(body: Parameters): [string | undefined, string | undefined, string | undefined][] {
  return all(body, 'notCounted').map((p) => [part(p, 'code')?.valueCode, part(p, 'reason')?.valueCode, part(p, 'message')?.valueString]);
}

describe('ConceptMap/$rollup counts a local code once', () => {
  it('refuses two versions of one map in conceptMap (400, naming them) instead of counting on both', async () => {
    await importCatalog('102', [`102-STYRKE,Styrketræning,indsats,${CODES.fysiskTraening119},Hold`]);
    await importCatalog('102', [`102-STYRKE,Styrketræning,indsats,${CODES.fysiskTraening140},Hold`], '2.0.0');
    const map = catalogOf('102', 'ConceptMap');
    const body = rowsCsv('102', [['102-STYRKE', 30]]);
    const post = (...maps: string[]) => request(app).post(`/fhir/ConceptMap/$rollup${maps.length ? '?' : ''}${maps.map((m) => `conceptMap=${encodeURIComponent(m)}`).join('&')}`)
      .set('Content-Type', 'text/csv').send(body);

    const both = await post(`${map}|1.0.0`, `${map}|2.0.0`).expect(400);
    expect(JSON.stringify(both.body)).toContain(`two versions of ${map} (1.0.0 and 2.0.0)`);
    const danish = await post(`${map}|1.0.0`, `${map}|2.0.0`).set('Accept-Language', 'da').expect(400);
    expect(JSON.stringify(danish.body)).toContain('to versioner af');
    await post(`${map}|2.0.0`, `${map}|1.0.0`).set('Accept', 'text/csv').expect(400);

    // each version alone, and the same version named twice, count the 30 once
    for (const [maps, code] of [[[`${map}|1.0.0`], CODES.fysiskTraening119], [[`${map}|2.0.0`, `${map}|2.0.0`], CODES.fysiskTraening140], [[], CODES.fysiskTraening140]] as const) {
      const res = (await post(...maps).expect(200)).body as Parameters;
      expect(counts(res, 'niveau2', 'intervention')).toEqual(new Map([[`102|${code}`, 30]]));
      expect(summary(res)).toMatchObject({ inputCount: 30, interventionInput: 30, offerExtra: 0, niveau2Total: 30, niveau1Total: 30 });
    }
  });

  it('does not count a local code two maps in use give different targets, and counts once what they agree on', async () => {
    const kol = [CODES.sygdomshaandtering, CODES.kostvejledning, CODES.fysiskTraening119];
    await importCatalog('103', [
      `103-STYRKE,Styrketræning,indsats,${CODES.fysiskTraening119},Hold`,
      `103-OPSTART,Opstartssamtale,indsats,${AFKLARENDE},Samtale`,
      `103-HOLD,Hold,tilbud,${kol.slice(0, 2).join(';')},Hold`,
      `103-KOL,KOL-hold,tilbud,${kol.join(';')},KOL`,
    ]);
    // a second map over the same local catalog: a write like any other
    const second = localConceptMap('103', 'ekstra', [
      { code: '103-STYRKE', targets: [AFKLARENDE] },
      { code: '103-OPSTART', targets: [AFKLARENDE], equivalence: 'equivalent' }, // the same target, stated otherwise
      { code: '103-HOLD', targets: kol.slice(0, 2) },
      { code: '103-KOL', targets: kol.slice(0, 2) },
    ], catalogOf('103', 'CodeSystem'));
    const token = await tokenFor({ kommunekode: '103' });
    await request(app).put(`/fhir/ConceptMap/${second.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(second).expect(201);

    const res = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv')
      .send(rowsCsv('103', [['103-STYRKE', 30], ['103-OPSTART', 40], ['103-HOLD', 5], ['103-KOL', 7]])).expect(200);
    const body = res.body as Parameters;
    // agreed: the intervention once on its target, the offer once on each of its two
    expect(counts(body, 'niveau2', 'intervention')).toEqual(new Map([[`103|${AFKLARENDE}`, 40], [`103|${CODES.sygdomshaandtering}`, 5], [`103|${CODES.kostvejledning}`, 5]]));
    expect(summary(body)).toMatchObject({ inputCount: 82, interventionInput: 45, notCountedInput: 37, offerExtra: 5, niveau2Total: 50, niveau1Total: 50 });
    // differing: not counted, and the reason names both maps
    const notCounted = notCountedOf(body);
    expect(notCounted.map(([code, reason]) => [code, reason])).toEqual([['103-STYRKE', 'conflicting-maps'], ['103-KOL', 'conflicting-maps']]);
    for (const [, , message] of notCounted) {
      expect(message).toContain(`${catalogOf('103', 'ConceptMap')}|1.0.0`);
      expect(message).toContain(`${second.url}|1.0.0`);
    }
    expect(notCounted[0]![2]).toContain(CODES.fysiskTraening119);
    expect(notCounted[0]![2]).toContain(AFKLARENDE);
    expect(all(body, 'counting')[0]?.valueString).toMatch(/conflicting-maps/);

    // naming one of the two maps does not leave the other out: it is still in use
    const named = (await request(app).post(`/fhir/ConceptMap/$rollup?conceptMap=${encodeURIComponent(`${second.url}|1.0.0`)}`).set('Content-Type', 'text/csv')
      .send(rowsCsv('103', [['103-STYRKE', 30]])).expect(200)).body as Parameters;
    expect(notCountedOf(named).map(([, reason]) => reason)).toEqual(['conflicting-maps']);
    expect(summary(named)).toMatchObject({ niveau2Total: 0 });
  });

  it('refuses with 422, in English and Danish and in every format, a roll-up whose totals do not fit a FHIR integer', async () => {
    const rows = (n: number, code = CODES.fysiskTraening119, system = FSIII) =>
      `kommunekode,system,kode,antal\n${Array.from({ length: n }, () => `101,${system},${code},1000000000`).join('\n')}\n`;
    const post = (body: string) => request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(body);

    const fits = (await post(rows(2)).expect(200)).body as Parameters;
    expect(summary(fits)).toMatchObject({ inputCount: 2_000_000_000, niveau2Total: 2_000_000_000 });

    const over = await post(rows(3)).expect(422);
    expect(over.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(over.body)).toMatch(/do not fit a FHIR integer \(at most 2147483647\): inputCount 3000000000, niveau2Total 3000000000/);
    expect(JSON.stringify(over.body)).not.toMatch(/valueInteger/);
    expect(JSON.stringify((await post(rows(3)).set('Accept-Language', 'da').expect(422)).body)).toMatch(/for store til et FHIR-heltal/);
    for (const accept of ['text/csv', 'application/x-ndjson']) {
      await post(rows(3)).set('Accept', accept).expect(422);
      await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', accept).send(rows(3)).expect(422);
    }
    // an offer counted on each of its three interventions: the input fits, the niveau-2 total does not
    const offer = await post(rows(1, '101-KOL-HOLD', catalogOf('101', 'CodeSystem'))).expect(422);
    expect(JSON.stringify(offer.body)).toMatch(/niveau2Total 3000000000/);
    expect(JSON.stringify(offer.body)).not.toMatch(/inputCount/);
  });

  it('refuses layout=wide (400, pointing to layout=long) when two districts and periods would share a column', async () => {
    const body = `kommunekode,system,code,count,district,period\n101,${FSIII},${CODES.fysiskTraening119},5,Bydel 1,2026\n101,${FSIII},${CODES.fysiskTraening119},7,Bydel,1 2026\n`;
    const wide = await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(body).expect(400);
    expect(JSON.stringify(wide.body)).toMatch(/same column '101 Bydel 1 2026'.*layout=long/);
    const danish = await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv')
      .set('Accept-Language', 'da').send(body).expect(400);
    expect(JSON.stringify(danish.body)).toMatch(/samme kolonne/);
    // the long layout keeps them apart
    const long = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(body).expect(200);
    const n2 = (parse(long.text, { columns: true }) as Record<string, string>[]).filter((r) => r.level === 'niveau2');
    expect(n2.map((r) => [r.district, r.period, r.count])).toEqual([['Bydel', '1 2026', '7'], ['Bydel 1', '2026', '5']]);
    // labels that differ still make a table
    const apart = body.replace('Bydel,1 2026', 'Bydel 2,2026');
    const ok = await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(apart).expect(200);
    expect(ok.text.split('\n')[0]).toBe('level,code,display,lovparagraf,101 Bydel 1,101 Bydel 2');
  });
});

describe('a gateway coding of a code two of the municipality\'s catalogs define', () => {
  it('is counted when their maps agree, and on none when they do not, whichever catalog comes first', async () => {
    await importCatalog('107', [`107-A,Aktiv,indsats,${CODES.fysiskTraening119},Hold`]);
    const token = await tokenFor({ kommunekode: '107' });
    const put = async (targets: string[]) => {
      const cs = localCodeSystem('107', 'andet', [{ code: '107-A', display: 'Aktiv', type: 'indsats' }]);
      const cm = localConceptMap('107', 'andet', [{ code: '107-A', targets }], cs.url);
      for (const r of [cs, cm]) await request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(r);
    };
    const gatewayRow = `kommunekode,system,kode,antal\n107,${GATEWAY},107-A,9\n`;
    const roll = async () => (await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(gatewayRow).expect(200)).body as Parameters;

    await put([CODES.fysiskTraening119]);
    expect(counts(await roll(), 'niveau2', 'intervention')).toEqual(new Map([[`107|${CODES.fysiskTraening119}`, 9]]));
    // an offer in both catalogs, with offers=exclude: left out as an offer, not as a conflict
    const offerRow = `kommunekode,system,kode,antal\n107,${GATEWAY},107-T,4\n`;
    await importCatalog('107', [`107-A,Aktiv,indsats,${CODES.fysiskTraening119},Hold`, `107-T,Tilbud,tilbud,${CODES.kostvejledning},Hold`]);
    const offerCs = localCodeSystem('107', 'andet', [{ code: '107-A', display: 'Aktiv', type: 'indsats' }, { code: '107-T', display: 'Tilbud', type: 'tilbud' }]);
    const offerCm = localConceptMap('107', 'andet', [{ code: '107-A', targets: [CODES.fysiskTraening119] }, { code: '107-T', targets: [CODES.kostvejledning] }], offerCs.url);
    for (const r of [offerCs, offerCm]) await request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(r).expect(200);
    const excluded = (await request(app).post('/fhir/ConceptMap/$rollup?offers=exclude').set('Content-Type', 'text/csv').send(offerRow).expect(200)).body as Parameters;
    expect(notCountedOf(excluded).map(([code, reason]) => [code, reason])).toEqual([['107-T', 'offer-excluded']]);
    await put([AFKLARENDE]);
    const body = await roll();
    expect(counts(body, 'niveau2', 'intervention')).toEqual(new Map());
    expect(notCountedOf(body)).toEqual([['107-A', 'conflicting-maps', expect.stringMatching(/^107-A is a code of 2 local catalogs of municipality 107 \(.*\), which do not count it alike; send the catalog's url as its system$/)]]);
  });
});

describe('a local map stored before its targets were held to the niveau-2 catalogs', () => {
  it('counts a local code it maps to a condition or a grouping on none of them (not-niveau2), and one it maps to an intervention', async () => {
    const cs = localCodeSystem('110', 'gammel', [{ code: '110-X', display: 'X', type: 'indsats' }, { code: '110-Y', display: 'Y', type: 'indsats' }, { code: '110-Z', display: 'Z', type: 'indsats' }]);
    const cm = localConceptMap('110', 'gammel', [{ code: '110-X', targets: [CONDITION_ALKOHOL] }, { code: '110-Y', targets: [CODES.paragraf119] },
      { code: '110-Z', targets: [CODES.fysiskTraening119] }], cs.url);
    const own = await testApp({}, { store: new MemoryStore([{ ...cs, meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00Z' } }, { ...cm, meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00Z' } }]) });
    const rows = `kommunekode,system,kode,antal\n${['110-X', '110-Y', '110-Z'].map((c, i) => `110,${cs.url},${c},${i + 1}`).join('\n')}\n`;
    const body = (await request(own).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(rows).expect(200)).body as Parameters;
    expect(notCountedOf(body).map(([code, reason]) => [code, reason])).toEqual([['110-X', 'not-niveau2'], ['110-Y', 'not-niveau2']]);
    expect(counts(body, 'niveau2', 'intervention')).toEqual(new Map([[`110|${CODES.fysiskTraening119}`, 3]]));
  });
});

describe('a draft next version of a local map', () => {
  it('is not counted, exported or offered to record until it is active, as $translate does not use it', async () => {
    await importCatalog('106', [`106-STYRKE,Styrketræning,indsats,${CODES.fysiskTraening119},Hold`]);
    const token = await tokenFor({ kommunekode: '106' });
    const current = (await request(app).get('/fhir/ConceptMap').query({ url: catalogOf('106', 'ConceptMap') }).expect(200)).body.entry[0].resource;
    const draft = { ...current, status: 'draft', version: '2.0.0-udkast' };
    draft.group = current.group.map((g: { element: { target: object[] }[] }) => ({ ...g, element: g.element.map((e) => ({ ...e, target: [{ code: AFKLARENDE, equivalence: 'subsumes' }] })) }));
    delete draft.meta;
    await request(app).put(`/fhir/ConceptMap/${current.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(draft).expect(200);

    const translated = (await request(app).get('/fhir/ConceptMap/$translate').query({ system: catalogOf('106', 'CodeSystem'), code: '106-STYRKE' }).expect(200)).body as Parameters;
    expect(all(translated, 'match').map((m) => part(m, 'concept')?.valueCoding?.code)).toEqual([CODES.fysiskTraening119]);
    const rolled = (await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(rowsCsv('106', [['106-STYRKE', 7]])).expect(200)).body as Parameters;
    expect(counts(rolled, 'niveau2', 'intervention')).toEqual(new Map([[`106|${CODES.fysiskTraening119}`, 7]]));
    const exported = (await request(app).get('/fhir/ConceptMap/$export').query({ kommunekode: '106' }).set('Accept', 'text/csv').expect(200)).text;
    expect(exported).toContain(CODES.fysiskTraening119);
    expect(exported).not.toContain(AFKLARENDE);
    const codings = (await request(app).get('/fhir/CodeSystem/$local-codings').query({ kommunekode: '106', code: '106-STYRKE' }).expect(200)).body;
    expect(JSON.stringify(codings)).toContain(CODES.fysiskTraening119);
    expect(JSON.stringify(codings)).not.toContain(AFKLARENDE);

    // made active, it is the version in use everywhere
    await request(app).put(`/fhir/ConceptMap/${current.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send({ ...draft, status: 'active', version: '2.0.0' }).expect(200);
    const after = (await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(rowsCsv('106', [['106-STYRKE', 7]])).expect(200)).body as Parameters;
    expect(counts(after, 'niveau2', 'intervention')).toEqual(new Map([[`106|${AFKLARENDE}`, 7]]));
  });
});

describe('ConceptMap/$rollup of the worked example with last year\'s maps', () => {
  it('counts 147\'s gateway rows in the catalog version its map 1.0.0 names, after 2.0.0 dropped 147-STRESS, as the README shows', async () => {
    const [header, ...lines] = fs.readFileSync(`${DATA_USE_DIR}/kommune-147.csv`, 'utf8').trim().split('\n');
    await importCatalog('147', lines.filter((l) => !l.startsWith('147-STRESS;')), '2.0.0', header);
    const stress = countRows().find((r) => r.kommunekode === '147' && r.code === '147-STRESS')!;
    expect(stress.system).toBe(GATEWAY);

    const pinned = (await rollupCsv(`?conceptMap=${encodeURIComponent(`${catalogOf('101', 'ConceptMap')}|1.0.0`)}` +
      `&conceptMap=${encodeURIComponent(`${catalogOf('147', 'ConceptMap')}|1.0.0`)}`).expect(200)).body as Parameters;
    const want = expected('each-target', 1);
    expect(counts(pinned, 'niveau2', 'intervention')).toEqual(want.niveau2);
    expect(counts(pinned, 'niveau1', 'niveau1')).toEqual(want.niveau1);
    expect(new Map(all(pinned, 'notCounted').map((p) => [part(p, 'line')!.valueInteger!, part(p, 'reason')!.valueCode!]))).toEqual(want.notCounted);
    // with 147's map of now, which is made for catalog 2.0.0
    const now = (await rollupCsv().expect(200)).body as Parameters;
    expect(notCountedOf(now).find(([code]) => code === '147-STRESS')?.slice(0, 2)).toEqual(['147-STRESS', 'unknown-code']);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeSystem, ConceptMap, Parameters, ParametersParameter } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import type { App } from '../../src/app';
import { GATEWAY_LOCAL_SYSTEMS } from '../../src/municipal/municipality';
import { SqliteStore } from '../../src/store/sqlite-store';
import { testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { clientBody, failure, useRunningServer } from '../support/server';
import { param } from '../support/parameters';

/**
 * Every version a municipality wrote stays addressable by url|version after a newer one replaced it, through the
 * registry (not a side path): $lookup, $validate-code, $expand and $translate; $translate's `date` picks the map
 * version in force then.
 */
const CS_URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';
const CM_URL = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser';
const GATEWAY = GATEWAY_LOCAL_SYSTEMS[0]!;

function v1(): { cs: CodeSystem; cm: ConceptMap } {
  const cs = localCodeSystem('101', 'lokale-indsatser', [
    { code: '101-BOLD', display: 'Boldspil', type: 'indsats' },
    { code: '101-RYG', display: 'Rygestop', type: 'indsats' },
  ]);
  const cm = localConceptMap('101', 'lokale-indsatser', [
    { code: '101-BOLD', targets: [CODES.fysiskTraening119] },
    { code: '101-RYG', targets: [CODES.tobaksafvaenningRetired] },
  ]);
  cm.date = '2025-01-01';
  return { cs, cm };
}

/** 2.0.0: 101-RYG dropped, 101-BOLD re-displayed and mapped elsewhere, 101-NY added. */
function v2(): { cs: CodeSystem; cm: ConceptMap } {
  const cs = localCodeSystem('101', 'lokale-indsatser', [
    { code: '101-BOLD', display: 'Boldspil for voksne', type: 'indsats' },
    { code: '101-NY', display: 'Ny indsats', type: 'indsats' },
  ]);
  cs.version = '2.0.0';
  const cm = localConceptMap('101', 'lokale-indsatser', [
    { code: '101-BOLD', targets: [CODES.fysiskTraening140] },
    { code: '101-NY', targets: [CODES.kostvejledning] },
  ]);
  cm.version = '2.0.0';
  cm.group![0]!.sourceVersion = '2.0.0';
  cm.date = '2026-01-01';
  return { cs, cm };
}

const matchCodes = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'match')
  .map((m) => m.part!.find((x) => x.name === 'concept')!.valueCoding!.code);
const originMaps = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'match')
  .map((m) => m.part!.find((x) => x.name === 'originMap')!.valueCanonical);

describe('local versions kept (supertest)', () => {
  let app: App;
  let auth: string;

  beforeAll(async () => {
    app = await testApp();
    auth = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'anna@101' })}`;
    for (const { cs, cm } of [v1(), v2()]) {
      await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs).expect((r) => expect(r.status).toBeLessThan(300));
      await request(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type('application/fhir+json').send(cm).expect((r) => expect(r.status).toBeLessThan(300));
    }
  });

  it('$lookup finds a code of the replaced version by system + version, and not in the current one', async () => {
    const old = (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, version: '1.0.0', code: '101-RYG' }).expect(200)).body as Parameters;
    expect(param(old, 'display')?.valueString).toBe('Rygestop');
    expect(param(old, 'version')?.valueString).toBe('1.0.0');
    const gone = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, code: '101-RYG' }).expect(404);
    expect(gone.body.issue[1]).toMatchObject({ severity: 'information', expression: ['code'] });
    expect(gone.body.issue[1].details.text).toContain("'1.0.0'");
    const renamed = (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, version: '1.0.0', code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(param(renamed, 'display')?.valueString).toBe('Boldspil');
  });

  it('$validate-code checks against the version asked for (version, and a ValueSet pinning it by system-version)', async () => {
    const then = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: CS_URL, version: '1.0.0', code: '101-RYG' }).expect(200)).body as Parameters;
    expect(param(then, 'result')?.valueBoolean).toBe(true);
    const inValueSet = (await request(app).post('/fhir/ValueSet/$validate-code').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [
      { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CS_URL }] } } },
      { name: 'system-version', valueCanonical: `${CS_URL}|1.0.0` },
      { name: 'coding', valueCoding: { system: CS_URL, code: '101-RYG' } },
    ] }).expect(200)).body as Parameters;
    expect(param(inValueSet, 'result')?.valueBoolean).toBe(true);
    const now = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: CS_URL, code: '101-RYG' }).expect(200)).body as Parameters;
    expect(param(now, 'result')?.valueBoolean).toBe(false);
  });

  it('the TerminologyCapabilities list the replaced version beside the current one, as url|version answers both', async () => {
    const tc = (await request(app).get('/fhir/metadata').query({ mode: 'terminology' }).expect(200)).body as { codeSystem: { uri: string; version?: { code: string }[] }[] };
    const versions = tc.codeSystem.find((c) => c.uri === CS_URL)?.version?.map((v) => v.code);
    expect(versions?.sort()).toEqual(['1.0.0', '2.0.0']);
  });

  it('$expand of a value set that includes the replaced version lists its codes', async () => {
    const valueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CS_URL, version: '1.0.0' }] } };
    const res = await request(app).post('/fhir/ValueSet/$expand').type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: valueSet }] }).expect(200);
    expect(res.body.expansion.contains.map((c: { code: string }) => c.code).sort()).toEqual(['101-BOLD', '101-RYG']);
    const pinned = await request(app).post('/fhir/ValueSet/$expand').type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: { ...valueSet, compose: { include: [{ system: CS_URL }] } } },
        { name: 'system-version', valueCanonical: `${CS_URL}|1.0.0` }] }).expect(200);
    expect(pinned.body.expansion.contains.map((c: { code: string }) => c.code).sort()).toEqual(['101-BOLD', '101-RYG']);
  });

  it('$translate uses conceptMapVersion, and the newest version without one', async () => {
    const then = (await request(app).get('/fhir/ConceptMap/$translate')
      .query({ url: CM_URL, conceptMapVersion: '1.0.0', system: CS_URL, code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(matchCodes(then)).toEqual([CODES.fysiskTraening119]);
    expect(originMaps(then)).toEqual([`${CM_URL}|1.0.0`]);
    const now = (await request(app).get('/fhir/ConceptMap/$translate').query({ url: CM_URL, system: CS_URL, code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(matchCodes(now)).toEqual([CODES.fysiskTraening140]);
  });

  it('conceptMapVersion without url translates with the maps of that version only; no map of that version is a 404', async () => {
    const then = (await request(app).get('/fhir/ConceptMap/$translate')
      .query({ conceptMapVersion: '1.0.0', system: CS_URL, code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(matchCodes(then)).toEqual([CODES.fysiskTraening119]);
    expect(originMaps(then)).toEqual([`${CM_URL}|1.0.0`]);
    const missing = await request(app).get('/fhir/ConceptMap/$translate')
      .query({ conceptMapVersion: '9', system: CS_URL, code: '101-BOLD' }).expect(404);
    expect(missing.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['conceptMapVersion'] });
    await request(app).get('/fhir/ConceptMap/$translate')
      .query({ conceptMapVersion: '1.0.0', date: '2025', system: CS_URL, code: '101-BOLD' }).expect(400);
  });

  it('at instance level, conceptMapVersion picks that version of the instance\'s url; one it does not have is a 404', async () => {
    const id = v1().cm.id!;
    const then = (await request(app).get(`/fhir/ConceptMap/${id}/$translate`)
      .query({ conceptMapVersion: '1.0.0', system: CS_URL, code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(originMaps(then)).toEqual([`${CM_URL}|1.0.0`]);
    const now = (await request(app).get(`/fhir/ConceptMap/${id}/$translate`).query({ system: CS_URL, code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(originMaps(now)).toEqual([`${CM_URL}|2.0.0`]);
    const missing = await request(app).get(`/fhir/ConceptMap/${id}/$translate`)
      .query({ conceptMapVersion: '9.0.0', system: CS_URL, code: '101-BOLD' }).expect(404);
    expect(missing.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['conceptMapVersion'] });
    expect(missing.body.issue[0].details.text).toBe(`A definition for ConceptMap '${CM_URL}' version '9.0.0' could not be found (ConceptMap/${id} is version '2.0.0')`);
    await request(app).get(`/fhir/ConceptMap/${id}/$translate`)
      .query({ conceptMapVersion: '1.0.0', date: '2025', system: CS_URL, code: '101-BOLD' }).expect(400);
    const byUrl = (await request(app).get(`/fhir/ConceptMap/${id}/$translate`)
      .query({ url: `${CM_URL}|1.0.0`, system: CS_URL, code: '101-BOLD' }).expect(200)).body as Parameters;
    expect(originMaps(byUrl)).toEqual([`${CM_URL}|1.0.0`]);
    const elsewhere = await request(app).get(`/fhir/ConceptMap/${id}/$translate`)
      .query({ url: 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys', system: CS_URL, code: '101-BOLD' }).expect(400);
    expect(elsewhere.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
  });

  /** The maps a $translate GET (200) answered with, by their originMap. */
  const translatedBy = async (query: Record<string, string>) =>
    originMaps((await request(app).get('/fhir/ConceptMap/$translate').query(query).expect(200)).body as Parameters);

  it('$translate with date uses the map version in force on that date (ConceptMap.date)', async () => {
    expect(await translatedBy({ url: CM_URL, date: '2025-06-30', system: CS_URL, code: '101-BOLD' })).toEqual([`${CM_URL}|1.0.0`]);
    expect(await translatedBy({ url: CM_URL, date: '2025-12-31', system: CS_URL, code: '101-BOLD' })).toEqual([`${CM_URL}|1.0.0`]);
    expect(await translatedBy({ url: CM_URL, date: '2026-01', system: CS_URL, code: '101-BOLD' })).toEqual([`${CM_URL}|2.0.0`]);
    // without url: every map in its version of then (the municipality's map of 2025)
    expect(await translatedBy({ date: '2025', system: CS_URL, code: '101-RYG', kommunekode: '101' })).toContain(`${CM_URL}|1.0.0`);
  });

  it('$rollup with date counts with the maps and catalogs of then: last year\'s rows with last year\'s map', async () => {
    const rows = [['101-BOLD', 3], ['101-RYG', 2], ['101-NY', 1]].map(([code, count]) => ({ name: 'row', part: [
      { name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: CS_URL }, { name: 'code', valueCode: code }, { name: 'count', valueInteger: count },
    ] }));
    const rollup = (query: Record<string, string> = {}) => request(app).post('/fhir/ConceptMap/$rollup').query(query).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: rows });
    const niveau2 = (body: Parameters) => Object.fromEntries((body.parameter ?? []).filter((p) => p.name === 'niveau2')
      .map((p) => [p.part!.find((x) => x.name === 'intervention')!.valueCoding!.code, p.part!.find((x) => x.name === 'count')!.valueInteger]));
    const notCounted = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'notCounted')
      .map((p) => `${p.part!.find((x) => x.name === 'code')?.valueCode} ${p.part!.find((x) => x.name === 'reason')?.valueCode}`);

    // 2025: map 1.0.0 and the catalog version it names, in which 101-RYG exists (mapped to a retired code: counted on its successor) and 101-NY does not
    const then = (await rollup({ date: '2025-12-31' }).expect(200)).body as Parameters;
    expect(param(then, 'date')?.valueDateTime).toBe('2025-12-31');
    expect(niveau2(then)).toEqual({ [CODES.fysiskTraening119]: 3, [CODES.nikotin]: 2 });
    expect(notCounted(then)).toEqual(['101-NY unknown-code']);
    expect(param(then, 'counting')?.valueString).toContain('as they were on 2025-12-31');
    // now (and from 2026): map 2.0.0 and catalog 2.0.0, which dropped 101-RYG and added 101-NY
    const now = (await rollup().expect(200)).body as Parameters;
    expect(niveau2(now)).toEqual({ [CODES.fysiskTraening140]: 3, [CODES.kostvejledning]: 1 });
    expect(notCounted(now)).toEqual(['101-RYG unknown-code']);
    expect(niveau2((await rollup({ date: '2026-02' }).expect(200)).body as Parameters)).toEqual(niveau2(now));
    // before any version of the map: nothing maps the codes, and each row says the date is why
    const before = (await rollup({ date: '2024' }).expect(200)).body as Parameters;
    expect(niveau2(before)).toEqual({});
    const messages = (before.parameter ?? []).filter((p) => p.name === 'notCounted').map((p) => p.part!.find((x) => x.name === 'message')?.valueString);
    expect(messages[0]).toBe('No map of municipality 101 was in use yet on the date counted with, so 101-BOLD is not mapped then (its maps came into use later)');
    expect(notCounted(before)).toEqual(['101-BOLD unmapped', '101-RYG unmapped', '101-NY unmapped']);
    // a date and a map version say two things
    const both = await request(app).post('/fhir/ConceptMap/$rollup').query({ date: '2025', conceptMap: `${CM_URL}|1.0.0` }).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: rows }).expect(400);
    expect(both.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['date'] });
    await rollup({ date: '2025-02-30' }).expect(400);
  });

  it('$rollup with dateFromPeriod counts each row with the maps and catalogs at the end of its own period', async () => {
    const csv = ['kommunekode;system;kode;antal;periode',
      `101;${CS_URL};101-BOLD;3;2025`, `101;${CS_URL};101-RYG;2;2025-K4`, `101;${CS_URL};101-NY;1;2025-07/2025-12`,
      `101;${CS_URL};101-BOLD;5;2026-Q1`, `101;${CS_URL};101-NY;4;2026-03-31`, `101;${CS_URL};101-RYG;7;2026`].join('\n');
    const rollup = (query: Record<string, string>, body = csv) => request(app).post('/fhir/ConceptMap/$rollup').query(query).set('Content-Type', 'text/csv').send(body);
    const niveau2 = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'niveau2')
      .map((p) => `${p.part!.find((x) => x.name === 'period')!.valueString} ${p.part!.find((x) => x.name === 'intervention')!.valueCoding!.code} ${p.part!.find((x) => x.name === 'count')!.valueInteger}`).sort();
    const notCounted = (body: Parameters) => (body.parameter ?? []).filter((p) => p.name === 'notCounted')
      .map((p) => `${p.part!.find((x) => x.name === 'line')?.valueInteger} ${p.part!.find((x) => x.name === 'reason')?.valueCode}`);

    const answer = (await rollup({ dateFromPeriod: 'true' }).expect(200)).body as Parameters;
    // 2025's rows with map and catalog 1.0.0 (101-NY not in it yet), 2026's with 2.0.0 (101-RYG dropped)
    expect(niveau2(answer)).toEqual([`2025 ${CODES.fysiskTraening119} 3`, `2025-K4 ${CODES.nikotin} 2`,
      `2026-03-31 ${CODES.kostvejledning} 4`, `2026-Q1 ${CODES.fysiskTraening140} 5`]);
    expect(notCounted(answer)).toEqual(['4 unknown-code', '7 unknown-code']);
    expect(param(answer, 'counting')?.valueString).toContain("end of each row's period (2025 → 2025, 2025-07/2025-12 → 2025-12, 2025-K4 → 2025-12");
    expect((answer.parameter ?? []).filter((p) => p.name === 'periodDate').map((p) => `${p.part![0]!.valueString} ${p.part![1]!.valueDate}`).sort())
      .toEqual(['2025 2025', '2025-07/2025-12 2025-12', '2025-K4 2025-12', '2026 2026', '2026-03-31 2026-03-31', '2026-Q1 2026-03']);
    // Danmarks Statistik's codes and Danish words for the periods count as their ISO forms do
    const danish = ['kommunekode;system;kode;antal;periode', `101;${CS_URL};101-RYG;2;4. kvartal 2025`, `101;${CS_URL};101-BOLD;5;2026M03`,
      `101;${CS_URL};101-RYG;7;uge 2 2026`].join('\n');
    const inDanish = (await rollup({ dateFromPeriod: 'true' }, danish).expect(200)).body as Parameters;
    expect(niveau2(inDanish)).toEqual([`2026M03 ${CODES.fysiskTraening140} 5`, `4. kvartal 2025 ${CODES.nikotin} 2`]);
    expect(notCounted(inDanish)).toEqual(['4 unknown-code']);
    // one date for all rows counts every row with that year's maps instead
    const one = (await rollup({ date: '2025' }).expect(200)).body as Parameters;
    expect(niveau2(one)).toContain(`2026-Q1 ${CODES.fysiskTraening119} 5`);

    // a row whose period is no date, or that has none, is refused with its line; so is dateFromPeriod beside date
    const bad = await rollup({ dateFromPeriod: 'true' }, `${csv}\n101;${CS_URL};101-BOLD;1;sommer`).expect(400);
    expect(bad.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['csv'] });
    expect(bad.body.issue[0].diagnostics ?? bad.body.issue[0].details.text).toMatch(/CSV line 8: .*'sommer'/);
    const none = await request(app).post('/fhir/ConceptMap/$rollup').set('Accept-Language', 'da').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [
      { name: 'dateFromPeriod', valueBoolean: true },
      { name: 'row', part: [{ name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: CS_URL }, { name: 'code', valueCode: '101-BOLD' }, { name: 'count', valueInteger: 1 }] },
    ] }).expect(400);
    expect(none.body.issue[0].details.text).toMatch(/^række 1: .*ingen periode/);
    await rollup({ dateFromPeriod: 'true', date: '2025' }).expect(400);
    await rollup({ dateFromPeriod: 'true', conceptMap: `${CM_URL}|1.0.0` }).expect(400);
    await rollup({ dateFromPeriod: 'ja' }).expect(400);
  });

  it("$translate looks a gateway coding up in the catalog version of the map version chosen (date, conceptMapVersion, url|version): a code 2.0.0 dropped", async () => {
    const gateway = { system: GATEWAY, code: '101-RYG', kommunekode: '101' };
    const translate = async (query: Record<string, string>) =>
      (await request(app).get('/fhir/ConceptMap/$translate').query({ ...gateway, ...query }).expect(200)).body as Parameters;
    const chosenVersions: Record<string, string>[] = [{ date: '2025-06-30' }, { url: CM_URL, date: '2025-06-30' },
      { url: CM_URL, conceptMapVersion: '1.0.0' }, { conceptMapVersion: '1.0.0' }, { url: `${CM_URL}|1.0.0` }];
    for (const chosen of chosenVersions) {
      const then = await translate(chosen);
      expect([param(then, 'result')?.valueBoolean, originMaps(then)]).toEqual([true, [`${CM_URL}|1.0.0`]]);
      expect(matchCodes(then)).toEqual([CODES.nikotin]);
    }
    const atInstance = (await request(app).get(`/fhir/ConceptMap/${v1().cm.id}/$translate`)
      .query({ ...gateway, conceptMapVersion: '1.0.0' }).expect(200)).body as Parameters;
    expect(originMaps(atInstance)).toEqual([`${CM_URL}|1.0.0`]);
    // with the map of now, catalog 2.0.0, which does not have it
    const now = await translate({ url: CM_URL });
    expect(param(now, 'result')?.valueBoolean).toBe(false);
    expect(param(now, 'message')?.valueString).toContain("'101-RYG' is not a code of any local catalog of municipality 101");
  });

  it("$rollup with conceptMap=url|version counts a gateway coding in the catalog version that map names, as with date: a code 2.0.0 dropped", async () => {
    const rows = [[CS_URL, '101-RYG', 2], [GATEWAY, '101-RYG', 3]].map(([system, code, count]) => ({ name: 'row', part: [
      { name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: system }, { name: 'code', valueCode: code }, { name: 'count', valueInteger: count },
    ] }));
    const rollup = async (query: Record<string, string>) => ((await request(app).post('/fhir/ConceptMap/$rollup').query(query).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: rows }).expect(200)).body as Parameters).parameter ?? [];
    const counted = (parameters: ParametersParameter[]) => parameters.filter((p) => p.name === 'niveau2')
      .map((p) => `${p.part!.find((x) => x.name === 'intervention')!.valueCoding!.code} ${p.part!.find((x) => x.name === 'count')!.valueInteger}`);
    const notCounted = (parameters: ParametersParameter[]) => parameters.filter((p) => p.name === 'notCounted')
      .map((p) => `${p.part!.find((x) => x.name === 'system')?.valueUri} ${p.part!.find((x) => x.name === 'reason')?.valueCode}`);
    for (const chosen of [{ conceptMap: `${CM_URL}|1.0.0` }, { date: '2025-06-30' }] as Record<string, string>[]) {
      const then = await rollup(chosen);
      expect([counted(then), notCounted(then)]).toEqual([[`${CODES.nikotin} 5`], []]);
    }
    expect(notCounted(await rollup({}))).toEqual([`${CS_URL} unknown-code`, `${GATEWAY} unknown-code`]);
  });

  it('$translate refuses a date before any version, a bad date, and date with a version', async () => {
    await request(app).get('/fhir/ConceptMap/$translate').query({ url: CM_URL, date: '2024-12-31', system: CS_URL, code: '101-BOLD' }).expect(404);
    await request(app).get('/fhir/ConceptMap/$translate').query({ url: CM_URL, date: '2025-02-30', system: CS_URL, code: '101-BOLD' }).expect(400);
    await request(app).get('/fhir/ConceptMap/$translate').query({ url: `${CM_URL}|1.0.0`, date: '2025', system: CS_URL, code: '101-BOLD' }).expect(400);
  });

  it('$translate without a map, on a date before any map was in use, says the date is why when a later map translates the code', async () => {
    const before = (code: string, extra: Record<string, string> = {}, language = 'en') => request(app).get('/fhir/ConceptMap/$translate')
      .query({ date: '2024-12-31', system: CS_URL, code, ...extra }).set('Accept-Language', language).expect(200)
      .then((res) => res.body as Parameters);
    const early = await before('101-BOLD');
    expect(param(early, 'result')?.valueBoolean).toBe(false);
    expect(param(early, 'message')?.valueString).toBe(`No translation for ${CS_URL}#101-BOLD: no ConceptMap in force on 2024-12-31 translates it (maps that came into use later do)`);
    const danish = await before('101-BOLD', { kommunekode: '101' }, 'da');
    expect(param(danish, 'message')?.valueString)
      .toBe(`Ingen oversættelse af ${CS_URL}#101-BOLD: ingen ConceptMap for kommune 101, der var gældende den 2024-12-31, oversætter den (det gør mapninger, der kom i brug senere)`);
    // a code no map translates, then or now: no map is the reason, as without a date
    expect(param(await before('101-INGEN'), 'message')?.valueString).toBe(`No translation for ${CS_URL}#101-INGEN: no ConceptMap matches the request`);
  });

  it('search and read by id give only the current version', async () => {
    const bundle = (await request(app).get('/fhir/ConceptMap').query({ url: CM_URL }).expect(200)).body;
    expect(bundle.entry.map((e: { resource: ConceptMap }) => e.resource.version)).toEqual(['2.0.0']);
  });

  it('after a delete, url|version still resolves; the unversioned url does not', async () => {
    await request(app).delete('/fhir/CodeSystem/kommune-101-lokale-indsatser').set('Authorization', auth).expect(200);
    await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, code: '101-BOLD' }).expect(404);
    const kept = (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, version: '2.0.0', code: '101-NY' }).expect(200)).body as Parameters;
    expect(param(kept, 'display')?.valueString).toBe('Ny indsats');
  });

  it('a deleted catalog or map is in force on a date before its delete, and on none after it', async () => {
    const afterDelete = String(new Date().getUTCFullYear() + 1);
    // the catalog, deleted above (it states no date: in force from its write): its version of then on a date before, none after
    const history = (await request(app).get('/fhir/CodeSystem/kommune-101-lokale-indsatser/_history').expect(200)).body as { entry: { resource?: CodeSystem }[] };
    const written2 = history.entry.find((e) => e.resource?.version === '2.0.0')!.resource!.meta!.lastUpdated!;
    const then = (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, date: written2, code: '101-NY' }).expect(200)).body as Parameters;
    expect(param(then, 'version')?.valueString).toBe('2.0.0');
    const gone = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, date: afterDelete, code: '101-NY' }).expect(404);
    expect(gone.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['date'] });

    const rows = [['101-BOLD', 3], ['101-RYG', 2]].map(([code, count]) => ({ name: 'row', part: [
      { name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: CS_URL }, { name: 'code', valueCode: code }, { name: 'count', valueInteger: count },
    ] }));
    const niveau2 = async (date: string) => Object.fromEntries((((await request(app).post('/fhir/ConceptMap/$rollup').query({ date })
      .type('application/fhir+json').send({ resourceType: 'Parameters', parameter: rows }).expect(200)).body as Parameters).parameter ?? [])
      .filter((p) => p.name === 'niveau2')
      .map((p) => [p.part!.find((x) => x.name === 'intervention')!.valueCoding!.code, p.part!.find((x) => x.name === 'count')!.valueInteger]));
    const counted2025 = await niveau2('2025-12-31');

    await request(app).delete(`/fhir/ConceptMap/${v2().cm.id}`).set('Authorization', auth).expect(200);
    // without a date the map is gone; on a date before the delete it translates as it did then
    await request(app).get('/fhir/ConceptMap/$translate').query({ url: CM_URL, system: CS_URL, code: '101-BOLD' }).expect(404);
    expect(await translatedBy({ url: CM_URL, date: '2025-06-30', system: CS_URL, code: '101-BOLD' })).toEqual([`${CM_URL}|1.0.0`]);
    expect(await translatedBy({ url: CM_URL, date: '2026-06', system: CS_URL, code: '101-BOLD' })).toEqual([`${CM_URL}|2.0.0`]);
    // without url too: every map in its version of then, the deleted one included
    expect(await translatedBy({ date: '2025', system: CS_URL, code: '101-RYG', kommunekode: '101' })).toContain(`${CM_URL}|1.0.0`);
    const none = await request(app).get('/fhir/ConceptMap/$translate').query({ url: CM_URL, date: afterDelete, system: CS_URL, code: '101-BOLD' }).expect(404);
    expect(none.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['date'] });
    // the change report between two versions of the deleted map still answers, each version named
    const diff = await request(app).get('/fhir/ConceptMap/$diff').query({ url: CM_URL, from: '1.0.0', to: '2.0.0' });
    expect(diff.status).toBe(200);
    // and without them, between its last two versions
    const lastChange = (await request(app).get('/fhir/ConceptMap/$diff').query({ url: CM_URL }).expect(200)).body as Parameters;
    expect([param(lastChange, 'from')?.valueCanonical, param(lastChange, 'to')?.valueCanonical]).toEqual([`${CM_URL}|1.0.0`, `${CM_URL}|2.0.0`]);
    // last year's rows count with last year's map as before the delete
    expect(counted2025[CODES.fysiskTraening119]).toBe(3);
    expect(await niveau2('2025-12-31')).toEqual(counted2025);
    expect(await niveau2(afterDelete)).toEqual({});
  });
});

describe('a version a write replaced, on the embedded store', () => {
  let dataDir: string;
  let store: SqliteStore;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-replaced-'));
    store = SqliteStore.open(dataDir);
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is read from the store when a request first needs it, not held in memory from its write on', async () => {
    const reads: string[] = [];
    const versionLoader = store.versionLoader.bind(store);
    store.versionLoader = (type, id, versionId) => {
      const load = versionLoader(type, id, versionId);
      return () => {
        reads.push(`${type}/${id}/_history/${versionId}`);
        return load();
      };
    };
    const app = await testApp({ dataDir }, { store });
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    for (const { cs } of [v1(), v2()]) {
      await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs).expect((r) => expect(r.status).toBeLessThan(300));
    }
    const lookup = () => request(app).get('/fhir/CodeSystem/$lookup').query({ system: CS_URL, version: '1.0.0', code: '101-RYG', property: 'type' }).expect(200);
    expect(reads).toEqual([]);
    expect(param((await lookup()).body, 'display')?.valueString).toBe('Rygestop');
    expect(param((await lookup()).body, 'display')?.valueString).toBe('Rygestop');
    expect(reads).toEqual(['CodeSystem/kommune-101-lokale-indsatser/_history/1']);
  });
});

describe('CodeSystem/$validate-code of a gateway coding with a date', () => {
  let app: App;

  beforeAll(async () => {
    app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '102' })}`;
    // two catalogs, so that no single catalog stands in for a code none of them has now
    const catalogs = [
      { ...localCodeSystem('102', 'indsatser', [{ code: '102-X', display: 'X', type: 'indsats' }, { code: '102-Y', display: 'Y', type: 'indsats' }]), version: '1.0.0', date: '2025-01-01' },
      { ...localCodeSystem('102', 'indsatser', [{ code: '102-Y', display: 'Y', type: 'indsats' }]), version: '2.0.0', date: '2026-01-01' },
      { ...localCodeSystem('102', 'tilbud', [{ code: '102-T', display: 'T', type: 'indsats' }]), version: '1.0.0', date: '2025-01-01' },
    ];
    for (const cs of catalogs) {
      await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs)
        .expect((r) => expect(r.status).toBeLessThan(300));
    }
  });
  const validate = async (query: Record<string, string>) =>
    (await request(app).get('/fhir/CodeSystem/$validate-code').query({ kommunekode: '102', ...query }).expect(200)).body as Parameters;

  it('looks the code up in the catalogs as they were on that date: a code a later version dropped is valid then, and not now', async () => {
    const asked: Record<string, string>[] = [{ coding: `${GATEWAY}|102-X` }, { system: GATEWAY, code: '102-X' }];
    for (const given of asked) {
      const then = await validate({ ...given, date: '2025-06-30' });
      expect([param(then, 'result')?.valueBoolean, param(then, 'system')?.valueUri, param(then, 'version')?.valueString])
        .toEqual([true, 'http://faelles-tx.dk/fhir/kommune/102/CodeSystem/indsatser', '1.0.0']);
      expect(param(await validate(given), 'result')?.valueBoolean).toBe(false);
    }
    expect(param(await validate({ coding: `${GATEWAY}|102-Y`, date: '2026-06-30' }), 'version')?.valueString).toBe('2.0.0');
  });
});

describe('$lookup with a date', () => {
  const URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/datering';
  let app: App;

  beforeAll(async () => {
    app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    for (const [version, date, code] of [['1.0.0', '2025-01-01', '101-A'], ['2.0.0', '2026-01-01', '101-B']]) {
      const cs = { ...localCodeSystem('101', 'datering', [{ code: code!, display: `Kode ${code}`, type: 'indsats' }]), version, date };
      await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs)
        .expect((r) => expect(r.status).toBeLessThan(300));
    }
  });
  const lookup = (query: Record<string, string>) => request(app).get('/fhir/CodeSystem/$lookup').query({ system: URL, ...query });

  it('answers from the version in force on that date (a year, a month, a day or a dateTime), the one a later write replaced too', async () => {
    for (const date of ['2025', '2025-06', '2025-12-31', '2025-06-01T10:00:00+02:00']) {
      const res = await lookup({ code: '101-A', date }).expect(200);
      expect(param(res.body, 'version')?.valueString).toBe('1.0.0');
    }
    expect(param((await lookup({ code: '101-B', date: '2026-02' }).expect(200)).body, 'version')?.valueString).toBe('2.0.0');
    const gone = await lookup({ code: '101-A', date: '2026-02' }).expect(404);
    expect(gone.body.issue[1].details.text).toContain("'1.0.0'");
  });

  it('says when no version was in force yet (404 at date), and a version given wins over the date', async () => {
    const none = await lookup({ code: '101-A', date: '2024-12-31' }).expect(404);
    expect(none.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['date'] });
    expect(none.body.issue[0].details.text).toBe(`No version of the CodeSystem '${URL}' was in force on '2024-12-31'`);
    const da = await lookup({ code: '101-A', date: '2024-12-31' }).set('Accept-Language', 'da').expect(404);
    expect(da.body.issue[0].details.text).toBe(`Ingen version af kodesystemet '${URL}' var gældende '2024-12-31'`);
    expect(param((await lookup({ code: '101-A', date: '2026-06', version: '1.0.0' }).expect(200)).body, 'version')?.valueString).toBe('1.0.0');
  });
});

describe('a draft written over the version in use', () => {
  const DRAFT_URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/kladde';
  let app: App;
  let auth: string;

  const version = (v: string, status: 'active' | 'draft', code: string): CodeSystem => ({
    ...localCodeSystem('101', 'kladde', [{ code, display: `Kode ${code}`, type: 'indsats' }]), version: v, status,
  });
  const write = (cs: CodeSystem, id = cs.id!) => request(app).put(`/fhir/CodeSystem/${id}`).set('Authorization', auth).type('application/fhir+json')
    .send({ ...cs, id }).expect((r) => expect(r.status).toBeLessThan(300));
  const unversioned = async (code: string) => {
    const lookup = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: DRAFT_URL, code });
    const validate = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: DRAFT_URL, code }).expect(200)).body as Parameters;
    const vs = (await request(app).get('/fhir/ValueSet/$validate-code')
      .query({ url: 'http://faelles-tx.dk/fhir/kommune/101/ValueSet/kladde-alle', system: DRAFT_URL, code }).expect(200)).body as Parameters;
    return {
      lookup: lookup.status === 200 ? param(lookup.body, 'version')?.valueString : lookup.status,
      validate: [param(validate, 'result')?.valueBoolean, param(validate, 'version')?.valueString],
      valueSet: [param(vs, 'result')?.valueBoolean, param(vs, 'version')?.valueString],
    };
  };

  beforeEach(async () => {
    app = await testApp();
    auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    await request(app).put('/fhir/ValueSet/kommune-101-kladde-alle').set('Authorization', auth).type('application/fhir+json').send({
      resourceType: 'ValueSet', id: 'kommune-101-kladde-alle', url: 'http://faelles-tx.dk/fhir/kommune/101/ValueSet/kladde-alle',
      identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '101' }], status: 'active',
      compose: { include: [{ system: DRAFT_URL }] },
    }).expect(201);
    await write(version('1.0.0', 'active', '101-A'));
  });

  it('under another id does not take its place for an unversioned reference ($lookup, both $validate-codes)', async () => {
    await write(version('2.0.0', 'draft', '101-B'), 'kommune-101-kladde-naeste');
    expect(await unversioned('101-A')).toEqual({ lookup: '1.0.0', validate: [true, '1.0.0'], valueSet: [true, '1.0.0'] });
    const draft = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: DRAFT_URL, version: '2.0.0', code: '101-B' }).expect(200)).body;
    expect(param(draft, 'result')?.valueBoolean).toBe(true);
  });

  it('under the same id does not either: the version it replaced answers until an active one is written', async () => {
    await write(version('2.0.0', 'draft', '101-B'));
    expect(await unversioned('101-A')).toEqual({ lookup: '1.0.0', validate: [true, '1.0.0'], valueSet: [true, '1.0.0'] });
    await write(version('3.0.0', 'active', '101-C'));
    expect(await unversioned('101-C')).toEqual({ lookup: '3.0.0', validate: [true, '3.0.0'], valueSet: [true, '3.0.0'] });
  });

  it.each([['under another id', 'kommune-101-kladde-ny'], ['under the same id', 'kommune-101-kladde']])('after a delete, a draft %s is what the url means: the deleted version never comes back', async (_what, id) => {
    await request(app).delete('/fhir/CodeSystem/kommune-101-kladde').set('Authorization', auth).expect(200);
    await write(version('2.0.0', 'draft', '101-B'), id);
    const old = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: DRAFT_URL, code: '101-A' }).expect(200)).body as Parameters;
    expect(param(old, 'result')?.valueBoolean).toBe(false);
    expect(await unversioned('101-B')).toEqual({ lookup: '2.0.0', validate: [true, '2.0.0'], valueSet: [true, '2.0.0'] });
    // the deleted version still answers by url|version
    const pinned = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: DRAFT_URL, version: '1.0.0', code: '101-A' }).expect(200)).body as Parameters;
    expect(param(pinned, 'result')?.valueBoolean).toBe(true);
  });

  it("a request's own draft of the url (tx-resource) is what the url means for that request, over the version in use", async () => {
    const brought = version('9.0.0', 'draft', '101-Z');
    const res = await request(app).post('/fhir/CodeSystem/$validate-code').type('application/fhir+json').send({
      resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: DRAFT_URL }, { name: 'code', valueCode: '101-Z' }, { name: 'tx-resource', resource: brought }],
    }).expect(200);
    expect([param(res.body, 'result')?.valueBoolean, param(res.body, 'version')?.valueString]).toEqual([true, '9.0.0']);
    const expanded = await request(app).post('/fhir/ValueSet/$expand').type('application/fhir+json').send({
      resourceType: 'Parameters', parameter: [
        { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: DRAFT_URL }] } } },
        { name: 'tx-resource', resource: brought }],
    }).expect(200);
    expect(expanded.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual(['101-Z']);
  });

  it('nor does a draft map: $translate with the map url and without one uses the version in use', async () => {
    const map = (v: string, status: 'active' | 'draft', target: string): ConceptMap => ({
      ...localConceptMap('101', 'kladde', [{ code: '101-A', targets: [target] }]), version: v, status,
    });
    const put = (cm: ConceptMap) => request(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type('application/fhir+json').send(cm)
      .expect((r) => expect(r.status).toBeLessThan(300));
    await put(map('1.0.0', 'active', CODES.kostvejledning));
    await put(map('2.0.0', 'draft', CODES.nikotin));
    const mapUrl = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/kladde';
    for (const query of [{ url: mapUrl }, {}]) {
      const res = await request(app).get('/fhir/ConceptMap/$translate').query({ ...query, system: DRAFT_URL, code: '101-A' }).expect(200);
      expect(matchCodes(res.body)).toEqual([CODES.kostvejledning]);
    }
  });
});

describe('local versions kept (fhir-kit-client)', () => {
  const server = useRunningServer();

  it('a map without ConceptMap.date is in force from when it was first written', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const client = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${token}` } });
    const { cs, cm } = v1();
    delete cm.date;
    await client.update({ resourceType: 'CodeSystem', id: cs.id!, body: clientBody(cs) });
    const written = await client.update({ resourceType: 'ConceptMap', id: cm.id!, body: clientBody(cm) }) as unknown as ConceptMap;
    const today = written.meta!.lastUpdated!.slice(0, 10);
    const params = { url: CM_URL, system: CS_URL, code: '101-BOLD' };
    const now = await client.operation({ name: '$translate', resourceType: 'ConceptMap', method: 'GET', input: { ...params, date: today } }) as unknown as Parameters;
    expect(originMaps(now)).toEqual([`${CM_URL}|1.0.0`]);
    const yesterday = new Date(Date.parse(today) - 86_400_000).toISOString().slice(0, 10);
    const before = await failure(client.operation({ name: '$translate', resourceType: 'ConceptMap', method: 'GET', input: { ...params, date: yesterday } }));
    expect(before.status).toBe(404);
  });

  it("the date parameter is in $translate's OperationDefinition, based on HL7's", async () => {
    const od = await server.client.read({ resourceType: 'OperationDefinition', id: 'ConceptMap-translate' }) as unknown as { base?: string; parameter: { name: string; documentation?: string }[] };
    expect(od.base).toBe('http://hl7.org/fhir/OperationDefinition/ConceptMap-translate');
    expect(od.parameter.find((p) => p.name === 'date')?.documentation).toMatch(/in force/);
  });
});

describe('a version its resource wrote before and has replaced, written again', () => {
  it('with other content is written with a warning that url|version will answer it; with the same content, or as the current version, without', async () => {
    const app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '109' })}`;
    const put = (cs: CodeSystem) => request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).set('Prefer', 'return=OperationOutcome')
      .set('Accept-Language', 'da').type('application/fhir+json').send(cs);
    const warnings = (res: request.Response) => (res.body.issue as { severity: string; expression?: string[]; details: { text: string } }[])
      .filter((i) => i.severity === 'warning' && i.expression?.[0] === 'CodeSystem.version').map((i) => i.details.text);
    const one = { ...localCodeSystem('109', 'genskrevet', [{ code: '109-1', display: 'Alfa', type: 'indsats' }]), version: '1.0.0' };
    const two = { ...localCodeSystem('109', 'genskrevet', [{ code: '109-1', display: 'Alfa', type: 'indsats' }, { code: '109-2', display: 'Beta', type: 'indsats' }]), version: '2.0.0' };
    const rewritten = { ...localCodeSystem('109', 'genskrevet', [{ code: '109-1', display: 'Genskrevet', type: 'indsats' }]), version: '1.0.0' };
    expect(warnings(await put(one).expect(201))).toEqual([]);
    expect(warnings(await put({ ...one, title: 'Rettet titel' }).expect(200))).toEqual([]); // the current version, changed
    expect(warnings(await put(two).expect(200))).toEqual([]);
    const again = await put(rewritten).expect(200);
    expect(warnings(again)).toEqual([expect.stringMatching(new RegExp(`^${one.url}\\|1\\.0\\.0 er skrevet før \\(CodeSystem/${one.id}/_history/2\\) med et andet indhold, og ${one.url}\\|2\\.0\\.0 efter den;`))]);
    await put(two).expect(200);
    // the same content as the version written before: nothing is said
    expect(warnings(await put(rewritten).expect(200))).toEqual([]);
  });
});

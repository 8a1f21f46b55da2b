/**
 * R4's `date` of `$expand` ("use the value set / code system definitions as they were on the given date") and of both
 * `$validate-code`s ("the date for which the validation should be checked"), by `$lookup`'s rule: a value set named by
 * url without a version, a code system an include does not pin and a value set an import does not pin take the
 * version in force on that date. The request's own versions come first (force-system-version, the include's or
 * import's version, the lockedDate, system-version, check-system-version, default-valueset-version, valueSetVersion);
 * the date fills in what none of them names. At instance level, a date without a version asked for picks the version of the
 * instance's url in force then, as for `$lookup`.
 */
import type { CodeSystem, Parameters, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';
import { valueNamed as value } from '../support/parameters';

const U = 'http://example.org/fhir/CodeSystem/dated';
const V = 'http://example.org/fhir/ValueSet/dated';
const PINNED = 'http://example.org/fhir/ValueSet/dated-pinned';
const IMPORTS = 'http://example.org/fhir/ValueSet/dated-imports';

const codeSystem = (id: string, version: string, date: string, codes: string[]): CodeSystem => ({
  resourceType: 'CodeSystem', id, url: U, version, date, status: 'active', content: 'complete', concept: codes.map((code) => ({ code })),
});
const valueSet = (id: string, url: string, version: string, date: string, include: ValueSetComposeInclude[]): ValueSet => ({
  resourceType: 'ValueSet', id, url, version, date, status: 'active', compose: { include },
});

/** U 1.0.0 in force from 2020 (A, B), 2.0.0 from 2025 (A, B, E); V 1.0.0 from 2018 (all of U), 2.0.0 from mid-2025 (A and E). */
const RESOURCES = [
  codeSystem('dated-1', '1.0.0', '2020-01-01', ['A', 'B']),
  codeSystem('dated-2', '2.0.0', '2025-01-01', ['A', 'B', 'E']),
  valueSet('dated-vs-1', V, '1.0.0', '2018-01-01', [{ system: U }]),
  valueSet('dated-vs-2', V, '2.0.0', '2025-06-01', [{ system: U, concept: [{ code: 'A' }, { code: 'E' }] }]),
  valueSet('dated-pinned', PINNED, '1.0.0', '2018-01-01', [{ system: U, version: '2.0.0' }]),
  valueSet('dated-imports', IMPORTS, '1.0.0', '2018-01-01', [{ valueSet: [V] }]),
];

let app: App;
let admin: string;
beforeAll(async () => {
  app = await testApp();
  admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
  for (const r of RESOURCES) {
    await request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', admin).type('application/fhir+json').send(r).expect(201);
  }
});

const get = (path: string, query: Record<string, string>) => request(app).get(`/fhir/${path}`).query(query);

async function expand(query: Record<string, string>, path = 'ValueSet/$expand') {
  const res = await get(path, query).expect(200);
  const vs = res.body as ValueSet;
  const parameters = vs.expansion?.parameter ?? [];
  return {
    version: vs.version,
    codes: (vs.expansion?.contains ?? []).map((c) => c.code),
    used: parameters.filter((p) => p.name === 'used-codesystem').map((p) => p.valueUri),
    usedValueSets: parameters.filter((p) => p.name === 'used-valueset').map((p) => p.valueUri),
    date: parameters.filter((p) => p.name === 'date'),
  };
}

async function validate(path: string, query: Record<string, string>) {
  const body = (await get(path, query).expect(200)).body as Parameters;
  return { result: value(body, 'result'), version: value(body, 'version'), message: value(body, 'message') as string | undefined };
}

describe('CodeSystem/$validate-code with date', () => {
  it('agrees with $lookup: the version in force on the date, not the latest', async () => {
    await get('CodeSystem/$lookup', { system: U, code: 'E', date: '2021-06-01' }).expect(404);
    expect(await validate('CodeSystem/$validate-code', { url: U, code: 'E', date: '2021-06-01' })).toMatchObject({ result: false, version: '1.0.0' });
    expect(await validate('CodeSystem/$validate-code', { url: U, code: 'A', date: '2021-06-01' })).toMatchObject({ result: true, version: '1.0.0' });
    await get('CodeSystem/$lookup', { system: U, code: 'E', date: '2025-06-01' }).expect(200);
    expect(await validate('CodeSystem/$validate-code', { url: U, code: 'E', date: '2025-06-01' })).toMatchObject({ result: true, version: '2.0.0' });
    expect(await validate('CodeSystem/$validate-code', { system: U, code: 'E', date: '2021' })).toMatchObject({ result: false, version: '1.0.0' });
  });

  it('is not valid before any version was in force, naming the versions known; $lookup answers 404 then', async () => {
    await get('CodeSystem/$lookup', { system: U, code: 'A', date: '2019-06-01' }).expect(404);
    const early = await validate('CodeSystem/$validate-code', { url: U, code: 'A', date: '2019-06-01' });
    expect(early.result).toBe(false);
    expect(early.message).toBe(`No version of the CodeSystem '${U}' was in force on '2019-06-01', the date asked for. Versions known (with their date): ` +
      '1.0.0 (2020-01-01), 2.0.0 (2025-01-01)');
  });

  it('leaves a version that is named alone: version, url|version, the coding\'s, force-system-version, system-version', async () => {
    const date = '2021-06-01';
    expect((await validate('CodeSystem/$validate-code', { url: U, code: 'E', version: '2.0.0', date })).result).toBe(true);
    expect((await validate('CodeSystem/$validate-code', { url: `${U}|2.0.0`, code: 'E', date })).result).toBe(true);
    const coding = await request(app).post('/fhir/CodeSystem/$validate-code').type('application/fhir+json').send({
      resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: U, version: '2.0.0', code: 'E' } }, { name: 'date', valueDateTime: date }],
    }).expect(200);
    expect(value(coding.body, 'result')).toBe(true);
    expect((await validate('CodeSystem/$validate-code', { url: U, code: 'E', 'force-system-version': `${U}|2.0.0`, date })).result).toBe(true);
    expect((await validate('CodeSystem/$validate-code', { url: U, code: 'E', 'system-version': `${U}|2.0.0`, date })).result).toBe(true);
  });

  it("at instance level validates in the version of the instance's url in force then, as $lookup looks up; a version asked for comes first", async () => {
    expect(await validate('CodeSystem/dated-2/$validate-code', { code: 'E', date: '2021-06-01' })).toMatchObject({ result: false, version: '1.0.0' });
    expect(await validate('CodeSystem/dated-2/$validate-code', { code: 'E' })).toMatchObject({ result: true, version: '2.0.0' });
    expect(await validate('CodeSystem/dated-2/$validate-code', { code: 'E', version: '2.0.0', date: '2021-06-01' })).toMatchObject({ result: true, version: '2.0.0' });
  });
});

describe('ValueSet/$expand with date', () => {
  it('expands the value set version in force then, with the code system versions in force then, and records the date', async () => {
    const then = await expand({ url: V, date: '2021-06-01' });
    expect(then).toMatchObject({ version: '1.0.0', codes: ['A', 'B'], used: [`${U}|1.0.0`] });
    expect(then.date).toEqual([{ name: 'date', valueDateTime: '2021-06-01' }]);
    expect(await expand({ url: V })).toMatchObject({ version: '2.0.0', codes: ['A', 'E'], used: [`${U}|2.0.0`], date: [] });
    expect(await expand({ url: V, date: '2025-03' })).toMatchObject({ version: '1.0.0', codes: ['A', 'B', 'E'], used: [`${U}|2.0.0`] });
  });

  it('answers 404 at date when a version it needs was not in force yet', async () => {
    const res = await get('ValueSet/$expand', { url: V, date: '2019' }).expect(404);
    expect(res.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['date'] });
    expect(res.body.issue[0].details.text).toContain(`No version of the CodeSystem '${U}' was in force on '2019'`);
    const none = await get('ValueSet/$expand', { url: V, date: '2017' }).expect(404);
    expect(none.body.issue[0].details.text).toBe(`No version of the ValueSet '${V}' was in force on '2017', the date asked for. ` +
      'Versions known (with their date): 1.0.0 (2018-01-01), 2.0.0 (2025-06-01)');
    const danish = await get('ValueSet/$expand', { url: V, date: '2017' }).set('Accept-Language', 'da').expect(404);
    expect(danish.body.issue[0].details.text).toContain(`Ingen version af værdisættet '${V}' var gældende '2017'`);
  });

  it('leaves what is named alone: valueSetVersion, url|version, an include\'s version, force-system-version, system-version', async () => {
    const date = '2021-06-01';
    expect(await expand({ url: V, valueSetVersion: '2.0.0', date })).toMatchObject({ version: '2.0.0', codes: ['A'], used: [`${U}|1.0.0`] });
    expect(await expand({ url: `${V}|2.0.0`, date })).toMatchObject({ version: '2.0.0', codes: ['A'] });
    expect(await expand({ url: PINNED, date })).toMatchObject({ codes: ['A', 'B', 'E'], used: [`${U}|2.0.0`] });
    expect(await expand({ url: V, 'force-system-version': `${U}|2.0.0`, date })).toMatchObject({ version: '1.0.0', used: [`${U}|2.0.0`] });
    expect(await expand({ url: V, 'system-version': `${U}|2.0.0`, date })).toMatchObject({ version: '1.0.0', used: [`${U}|2.0.0`] });
  });

  it('takes an imported value set in the version in force then', async () => {
    expect(await expand({ url: IMPORTS, date: '2021-06-01' })).toMatchObject({ codes: ['A', 'B'], usedValueSets: [`${V}|1.0.0`] });
    expect(await expand({ url: IMPORTS })).toMatchObject({ codes: ['A', 'E'], usedValueSets: [`${V}|2.0.0`] });
  });

  it("at instance level expands the version of the instance's url in force then, with the code system versions in force then", async () => {
    expect(await expand({ date: '2021-06-01' }, 'ValueSet/dated-vs-2/$expand')).toMatchObject({ version: '1.0.0', codes: ['A', 'B'], used: [`${U}|1.0.0`] });
    expect(await expand({ date: '2025-03' }, 'ValueSet/dated-vs-2/$expand')).toMatchObject({ version: '1.0.0', codes: ['A', 'B', 'E'], used: [`${U}|2.0.0`] });
    expect(await expand({}, 'ValueSet/dated-vs-2/$expand')).toMatchObject({ version: '2.0.0', codes: ['A', 'E'] });
    expect(await expand({ date: '2021-06-01', valueSetVersion: '2.0.0' }, 'ValueSet/dated-vs-2/$expand')).toMatchObject({ version: '2.0.0', codes: ['A'], used: [`${U}|1.0.0`] });
  });
});

describe('ValueSet/$validate-code with date', () => {
  it('checks in the versions in force then', async () => {
    expect(await validate('ValueSet/$validate-code', { url: V, system: U, code: 'E', date: '2021-06-01' })).toMatchObject({ result: false });
    expect(await validate('ValueSet/$validate-code', { url: V, system: U, code: 'B', date: '2021-06-01' })).toMatchObject({ result: true, version: '1.0.0' });
    expect(await validate('ValueSet/$validate-code', { url: V, system: U, code: 'E' })).toMatchObject({ result: true, version: '2.0.0' });
    expect(await validate('ValueSet/$validate-code', { url: PINNED, system: U, code: 'E', date: '2021-06-01' })).toMatchObject({ result: true, version: '2.0.0' });
    expect(await validate('ValueSet/$validate-code', { url: IMPORTS, system: U, code: 'B', date: '2021-06-01' })).toMatchObject({ result: true });
    expect(await validate('ValueSet/$validate-code', { url: IMPORTS, system: U, code: 'B' })).toMatchObject({ result: false });
  });

  it('is not valid when a code system it needs had no version in force; a value set of which none was is a 404', async () => {
    const early = await validate('ValueSet/$validate-code', { url: V, system: U, code: 'A', date: '2019' });
    expect(early.result).toBe(false);
    expect(early.message).toContain(`No version of the CodeSystem '${U}' was in force on '2019'`);
    await get('ValueSet/$validate-code', { url: V, system: U, code: 'A', date: '2017' }).expect(404);
  });

  it("at instance level checks in the version of the instance's url in force then, with the code system versions in force then", async () => {
    expect(await validate('ValueSet/dated-vs-2/$validate-code', { system: U, code: 'E', date: '2021-06-01' })).toMatchObject({ result: false });
    expect(await validate('ValueSet/dated-vs-2/$validate-code', { system: U, code: 'E' })).toMatchObject({ result: true });
  });
});

describe('a version written later', () => {
  it('is what a repeated request with a date answers from when it was in force on that date', async () => {
    const query = { url: V, date: '2021-06-01' };
    expect((await expand(query)).used).toEqual([`${U}|1.0.0`]);
    expect((await validate('CodeSystem/$validate-code', { url: U, code: 'E', date: '2021-06-01' })).result).toBe(false);
    const between = codeSystem('dated-1-5', '1.5.0', '2021-01-01', ['A', 'B', 'E']);
    await request(app).put('/fhir/CodeSystem/dated-1-5').set('Authorization', admin).type('application/fhir+json').send(between).expect(201);
    expect(await expand(query)).toMatchObject({ codes: ['A', 'B', 'E'], used: [`${U}|1.5.0`] });
    expect(await validate('CodeSystem/$validate-code', { url: U, code: 'E', date: '2021-06-01' })).toMatchObject({ result: true, version: '1.5.0' });
    expect(await validate('ValueSet/$validate-code', { url: V, system: U, code: 'E', date: '2021-06-01' })).toMatchObject({ result: true, version: '1.5.0' });
  });
});

/**
 * A roll-up judges a map's targets in the FSIII release the map was made for (group.targetVersion), as `$translate`,
 * `$export` and `$coverage` do, while KL's next release is loaded beside it: that release retires Kostvejledning (with
 * a successor) and drops Afklarende samtale. Municipality 101's map states 20240530, where both are active
 * interventions; municipality 147's states the next release, where Kostvejledning is retired.
 */
import type { CodeSystemConcept, Parameters, ParametersParameter } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import type { App } from '../../src/app';
import { writePackageTarball } from '../../src/packages/package-writer';
import { inEnglish } from '../support/english';
import { FSIII, testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { NEXT_VERSION, nextFsiiiRelease } from '../support/next-release';

const JSON_TYPE = 'application/fhir+json';
/** "Afklarende samtale": a niveau-2 intervention of 20240530 the next release no longer has. */
const AFKLARENDE_SAMTALE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const system = (kommunekode: string) => `http://faelles-tx.dk/fhir/kommune/${kommunekode}/CodeSystem/lokale-indsatser`;

let app: App;

function without(list: CodeSystemConcept[] | undefined, code: string): CodeSystemConcept[] | undefined {
  return list?.filter((c) => c.code !== code).map((c) => ({ ...c, ...(c.concept ? { concept: without(c.concept, code) } : {}) }));
}

async function nextReleaseWithoutAfklarendeSamtale(): Promise<Buffer> {
  const cs = nextFsiiiRelease();
  cs.concept = without(cs.concept, AFKLARENDE_SAMTALE);
  return writePackageTarball({ name: 'kl.test.fsiii', version: '2025.1.1' }, [cs]);
}

async function writeCatalogAndMap(kommunekode: string, targetVersion: string): Promise<void> {
  const auth = `Bearer ${await tokenFor({ kommunekode })}`;
  const p = `${kommunekode}-`;
  const cs = localCodeSystem(kommunekode, 'lokale-indsatser', [
    { code: `${p}KOST`, display: 'Kostvejledning', type: 'indsats' },
    { code: `${p}BOLD`, display: 'Boldspil', type: 'indsats' },
  ]);
  const cm = localConceptMap(kommunekode, 'lokale-indsatser', [
    { code: `${p}KOST`, targets: [CODES.kostvejledning] },
    ...(targetVersion === '20240530' ? [{ code: `${p}BOLD`, targets: [AFKLARENDE_SAMTALE] }] : []),
  ]);
  cm.group![0]!.targetVersion = targetVersion;
  await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type(JSON_TYPE).send(cs).expect(201);
  await inEnglish(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type(JSON_TYPE).send(cm).expect(201);
}

const part = (p: ParametersParameter | undefined, name: string) => p?.part?.find((x) => x.name === name);
const params = (body: Parameters, name: string) => (body.parameter ?? []).filter((p) => p.name === name);

const ROWS = `kommunekode,system,code,count\n101,${system('101')},101-KOST,7\n101,${system('101')},101-BOLD,10\n147,${system('147')},147-KOST,5\n`;

async function rollup(): Promise<Parameters> {
  return (await inEnglish(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(ROWS).expect(200)).body as Parameters;
}

beforeAll(async () => {
  app = await testApp();
  const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
  await inEnglish(app).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(await nextReleaseWithoutAfklarendeSamtale()).expect(200);
  await writeCatalogAndMap('101', '20240530');
  await writeCatalogAndMap('147', NEXT_VERSION);
});

describe('$rollup with a map made for an earlier release than the newest', () => {
  it('counts a target active in the map\'s release on that code, not as outdated there', async () => {
    const body = await rollup();
    const kost = params(body, 'niveau2').find((p) => part(p, 'kommunekode')?.valueCode === '101' && part(p, 'intervention')?.valueCoding?.code === CODES.kostvejledning);
    expect(part(kost, 'count')?.valueInteger).toBe(7);
    expect(params(body, 'outdated')).toEqual([]);
  });

  it('counts a target of the map\'s release\'s niveau-2 catalog that the newest release no longer has', async () => {
    const body = await rollup();
    const samtale = params(body, 'niveau2').find((p) => part(p, 'intervention')?.valueCoding?.code === AFKLARENDE_SAMTALE);
    expect(part(samtale, 'count')?.valueInteger).toBe(10);
    expect(params(body, 'notCounted')).toEqual([]);
  });

  it('follows a successor only where the map\'s release names it: the other municipality\'s map of the newest', async () => {
    const replaced = params(await rollup(), 'replaced')
      .map((p) => [part(p, 'code')?.valueCode, part(p, 'replaced')?.valueCoding?.code, part(p, 'replacement')?.valueCoding?.code]);
    expect(replaced).toEqual([['147-KOST', CODES.kostvejledning, CODES.vejledningFysisk]]);
  });

  it('agrees with $translate, $export and $coverage on the same map', async () => {
    const translated = (await inEnglish(app).get('/fhir/ConceptMap/$translate').query({ system: system('101'), code: '101-KOST' }).expect(200)).body as Parameters;
    const match = params(translated, 'match')[0];
    expect(part(match, 'concept')?.valueCoding).toMatchObject({ code: CODES.kostvejledning, version: '20240530' });
    expect(part(match, 'replaces')).toBeUndefined();

    const exported = parse((await inEnglish(app).get('/fhir/ConceptMap/$export').query({ kommunekode: '101' }).set('Accept', 'text/csv').expect(200)).text,
      { columns: true }) as Record<string, string>[];
    expect(exported.map((r) => [r.local_code, r.niveau2_code, r.niveau2_status])).toEqual(expect.arrayContaining([
      ['101-KOST', CODES.kostvejledning, 'active'], ['101-BOLD', AFKLARENDE_SAMTALE, 'active'],
    ]));

    const coverage = (await inEnglish(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: '101' }).expect(200)).body as Parameters;
    expect(part(params(coverage, 'summary')[0], 'retiredTargets')?.valueInteger).toBe(0);
    expect(params(coverage, 'retiredTarget')).toEqual([]);
  });
});

/**
 * `$import-local` without `version` keeps every url|version ever written addressable: a file with other content than
 * the catalog's current version is written as the next version, the same content keeps the version (and makes no
 * resource version); `version` given is used as given.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, ConceptMap, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { DATA_USE_DIR } from '../support/data-use';
import { tokenFor } from '../support/local';
import { param } from '../support/parameters';

const FILE = fs.readFileSync(path.join(DATA_USE_DIR, 'kommune-147.csv'), 'utf8');
const WITHOUT_STRESS = FILE.split('\n').filter((line) => !line.startsWith('147-STRESS;')).join('\n');

let app: App;
let auth: string;
/** Each test imports a catalog of its own name (lokale-indsatser-1, -2 …) into one app. */
let name = '';
let tests = 0;
const csId = () => `kommune-147-${name}`;
const csUrl = () => `http://faelles-tx.dk/fhir/kommune/147/CodeSystem/${name}`;

beforeAll(async () => {
  app = await testApp();
  auth = `Bearer ${await tokenFor({ kommunekode: '147' })}`;
  // the first import and the first $translate of an app take their one-time costs here, not in a test
  name = 'lokale-indsatser-0';
  await importCsv(FILE);
  await request(app).get('/fhir/ConceptMap/$translate').query({ system: csUrl(), code: '147-STRESS' }).expect(200);
});

beforeEach(() => {
  name = `lokale-indsatser-${++tests}`;
});

async function importCsv(csv: string, query: Record<string, string> = {}): Promise<OperationOutcome> {
  const res = await request(app).post('/fhir/CodeSystem/$import-local').query({ name, ...query }).set('Authorization', auth)
    .set('Accept-Language', 'en').type('text/csv').send(csv).expect(200);
  return res.body as OperationOutcome;
}

const current = async <T extends CodeSystem | ConceptMap>(type: 'CodeSystem' | 'ConceptMap'): Promise<T> =>
  (await request(app).get(`/fhir/${type}/${csId()}`).expect(200)).body as T;

async function lookup(code: string, version?: string): Promise<number> {
  return (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: csUrl(), code, ...(version ? { version } : {}) })).status;
}

describe('$import-local without version', () => {
  it('writes a file with other content as the next version, and url|1.0.0 keeps answering what 1.0.0 held', async () => {
    expect((await importCsv(FILE)).issue[0]?.details?.text).toContain('Imported 5 rows for kommunekode 147 as version 1.0.0:');
    const again = await importCsv(WITHOUT_STRESS);
    expect(again.issue[0]?.details?.text).toMatch(/^Imported 4 rows for kommunekode 147 as version 1\.0\.1: CodeSystem\/kommune-147-lokale-indsatser-1\/_history\/2, ConceptMap\/\S+\/_history\/2 \(added 0, changed 0, removed 1, unchanged 4\)$/);
    const cs = await current<CodeSystem>('CodeSystem');
    const cm = await current<ConceptMap>('ConceptMap');
    expect([cs.version, cm.version, ...(cm.group ?? []).map((g) => g.sourceVersion)]).toEqual(['1.0.1', '1.0.1', ...(cm.group ?? []).map(() => '1.0.1')]);
    expect(await lookup('147-STRESS', '1.0.0')).toBe(200);
    expect(await lookup('147-STRESS')).toBe(404);
    const translated = (await request(app).get('/fhir/ConceptMap/$translate')
      .query({ url: `http://faelles-tx.dk/fhir/kommune/147/ConceptMap/${name}`, conceptMapVersion: '1.0.0', system: csUrl(), code: '147-STRESS' }).expect(200)).body as Parameters;
    expect(param(translated, 'result')?.valueBoolean).toBe(true);
  });

  it('keeps the version and its date, and makes no new version of the resources, for a file with the content the catalog has', async () => {
    await importCsv(FILE);
    // the catalog as an import on an earlier day left it
    const cs = await current<CodeSystem>('CodeSystem');
    await request(app).put(`/fhir/CodeSystem/${csId()}`).set('Authorization', auth).type('application/fhir+json')
      .send({ ...cs, date: '2025-01-01' }).expect(200);
    expect((await importCsv(FILE)).issue[0]?.details?.text).toContain(`as version 1.0.0: CodeSystem/${csId()}/_history/2,`);
    const after = await current<CodeSystem>('CodeSystem');
    expect({ version: after.version, versionId: after.meta?.versionId, date: after.date }).toEqual({ version: '1.0.0', versionId: '2', date: '2025-01-01' });
  });

  it('counts the next version from the current one, also one a PUT gave', async () => {
    await importCsv(FILE);
    const cs = await current<CodeSystem>('CodeSystem');
    await request(app).put(`/fhir/CodeSystem/${csId()}`).set('Authorization', auth).type('application/fhir+json')
      .send({ ...cs, version: '2026.4' }).expect(200);
    expect((await importCsv(WITHOUT_STRESS)).issue[0]?.details?.text).toContain('as version 2026.5:');
  });
});

describe('$import-local with version', () => {
  it('writes the version given, also the current one again with other content (as a PUT does)', async () => {
    await importCsv(FILE, { version: '2.0.0' });
    expect((await current<CodeSystem>('CodeSystem')).version).toBe('2.0.0');
    expect((await importCsv(WITHOUT_STRESS, { version: '2.0.0' })).issue[0]?.details?.text).toContain('as version 2.0.0:');
    expect(await lookup('147-STRESS', '2.0.0')).toBe(404);
  });
});

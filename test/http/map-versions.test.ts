import fs from 'node:fs';
import path from 'node:path';
import type { Parameters, ParametersParameter } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { DATA_USE_DIR, importDataUseCatalogs } from '../support/data-use';
import { CODES, tokenFor } from '../support/local';

/**
 * A municipality updates its map (1.0.0 → 2026.2): counts of the earlier period can still be rolled up, and the map
 * exported, with the version of then, which lives on only in the store's history.
 */
const MAP = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser';
const SYSTEM = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';
let app: App;

beforeAll(async () => {
  app = await testApp();
  await importDataUseCatalogs(app);
  // version 2026.2: the smoking-cessation group now mapped to the current code, and a new local code
  const v1 = fs.readFileSync(path.join(DATA_USE_DIR, 'kommune-101.csv'), 'utf8');
  const v2 = `${v1.replace(CODES.tobaksafvaenningRetired, CODES.nikotin).trimEnd()}\n101-NY,Ny indsats,indsats,${CODES.kostvejledning},Ny\n`;
  const token = await tokenFor({ kommunekode: '101' });
  await request(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type('application/fhir+json')
    .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: v2 }, { name: 'version', valueString: '2026.2' }] }).expect(200);
});

function rowsOf(...codes: [string, number][]): ParametersParameter[] {
  return codes.map(([code, count]) => ({ name: 'row', part: [{ name: 'kommunekode', valueCode: '101' }, { name: 'system', valueUri: SYSTEM },
    { name: 'code', valueCode: code }, { name: 'count', valueInteger: count }] }));
}

function rollup(parameter: ParametersParameter[]) {
  return request(app).post('/fhir/ConceptMap/$rollup').type('application/fhir+json').send({ resourceType: 'Parameters', parameter });
}

const partsOf = (body: Parameters, name: string) => (body.parameter ?? []).filter((p) => p.name === name);

describe('map versions an update has replaced', () => {
  it('$rollup uses the newest map by default, and the version named with conceptMap=url|version', async () => {
    const current = (await rollup(rowsOf(['101-RYGESTOP', 4], ['101-NY', 2])).expect(200)).body as Parameters;
    expect(partsOf(current, 'replaced')).toHaveLength(0);
    expect(partsOf(current, 'notCounted')).toHaveLength(0);

    const then = (await rollup([...rowsOf(['101-RYGESTOP', 4], ['101-NY', 2]), { name: 'conceptMap', valueCanonical: `${MAP}|1.0.0` }])
      .expect(200)).body as Parameters;
    // with the map of then, the group was mapped to the retired code (followed to its successor), and 101-NY did not exist
    expect(partsOf(then, 'replaced').map((p) => p.part!.find((x) => x.name === 'replaced')?.valueCoding?.code)).toEqual([CODES.tobaksafvaenningRetired]);
    expect(partsOf(then, 'notCounted').map((p) => p.part!.find((x) => x.name === 'reason')?.valueCode)).toEqual(['unknown-code']);
    expect(partsOf(then, 'counting')[0]?.valueString).toContain(`${MAP}|1.0.0`);

    await rollup([...rowsOf(['101-NY', 1]), { name: 'conceptMap', valueCanonical: `${MAP}|0.1` }]).expect(404);
  });

  it('$export gives the map of then with conceptMap=url|version', async () => {
    const res = await request(app).get(`/fhir/ConceptMap/$export?conceptMap=${encodeURIComponent(`${MAP}|1.0.0`)}`).set('Accept', 'text/csv').expect(200);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows.every((r) => r.map_version === '1.0.0' && r.local_version === '1.0.0')).toBe(true);
    expect(rows.some((r) => r.local_code === '101-NY')).toBe(false);
    expect(rows.find((r) => r.local_code === '101-RYGESTOP')?.mapped_code).toBe(CODES.tobaksafvaenningRetired);
    const now = parse((await request(app).get('/fhir/ConceptMap/$export?kommunekode=101&_format=csv').expect(200)).text, { columns: true }) as Record<string, string>[];
    expect(now.every((r) => r.map_version === '2026.2')).toBe(true);
    expect(now.some((r) => r.local_code === '101-NY')).toBe(true);
  });
});

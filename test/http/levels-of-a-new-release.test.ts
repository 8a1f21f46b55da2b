/**
 * KL's next FSIII release, loaded as a package ($load-package), becomes the release unversioned references use. The
 * catalog supplement describes FSIII 20240530 only: a code of the new release takes its niveau 1 and its paragraph
 * from the grouping above it, as the supplement states them for the grouping.
 */
import type { Parameters } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { writePackageTarball } from '../../src/packages/package-writer';
import { FSIII, testApp } from '../support/app';
import { CODES, tokenFor } from '../support/local';
import { NEXT, NEXT_VERSION, nextFsiiiRelease } from '../support/next-release';
import { params, part } from '../support/parameters';

const P119 = 'Sundhedsloven §119';
const P140 = 'Sundhedsloven §140';
const VS119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';

let app: App;

beforeAll(async () => {
  app = await testApp();
  const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
  const tarball = await writePackageTarball({ name: 'kl.test.fsiii.next', version: '2025.1.0' }, [nextFsiiiRelease()]);
  await request(app).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(tarball).expect(200);
});

async function lookup(code: string, version?: string): Promise<Parameters> {
  const query = { system: FSIII, code, property: ['lovparagraf', 'niveau1', 'niveau'], ...(version ? { version } : {}) };
  return (await request(app).get('/fhir/CodeSystem/$lookup').query(query).expect(200)).body as Parameters;
}

function property(body: Parameters, code: string): unknown {
  const p = params(body, 'property').find((x) => part(x, 'code')?.valueCode === code);
  const value = part(p, 'value');
  return value?.valueString ?? value?.valueCode ?? value?.valueInteger;
}

describe('a code of a release the catalog supplement does not describe', () => {
  it('has the paragraph of the grouping above it in $lookup, as it has its niveau 1', async () => {
    const added = await lookup(NEXT.added);
    expect(params(added, 'version')[0]?.valueString).toBe(NEXT_VERSION);
    expect(property(added, 'niveau1')).toBe(CODES.paragraf119);
    expect(property(added, 'niveau')).toBe(2);
    expect(property(added, 'lovparagraf')).toBe(P119);
    // moved under the §140 grouping in the new release: that grouping's paragraph, not the one the old release had
    expect(property(await lookup(NEXT.moved), 'lovparagraf')).toBe(P140);
    expect(property(await lookup(NEXT.moved, '20240530'), 'lovparagraf')).toBe(P119);
    // the default answer (no property asked for) says the same
    const all = (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: CODES.sygdomshaandtering }).expect(200)).body as Parameters;
    expect(property(all, 'lovparagraf')).toBe(P119);
  });

  it('has its paragraph in $coverage-matrix, as CSV and as Parameters', async () => {
    const csv = await request(app).get('/fhir/ConceptMap/$coverage-matrix').query({ valueSet: VS119, _format: 'csv' }).expect(200);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.code === CODES.sygdomshaandtering)?.lovparagraf).toBe(P119);
    expect(rows.find((r) => r.code === NEXT.moved)?.lovparagraf).toBe(P140);
    expect(rows.every((r) => r.lovparagraf !== '')).toBe(true);
    const body = (await request(app).get('/fhir/ConceptMap/$coverage-matrix').query({ valueSet: VS119 }).set('Accept', 'application/fhir+json')
      .expect(200)).body as Parameters;
    const line = params(body, 'intervention').find((p) => part(p, 'concept')?.valueCoding?.code === CODES.sygdomshaandtering);
    expect(part(line, 'lovparagraf')?.valueString).toBe(P119);
  });

  it('has its paragraph in $rollup, on the niveau-2 and the niveau-1 lines', async () => {
    const csv = `kommunekode,system,code,count\n101,${FSIII},${NEXT.added},4\n101,${FSIII},${CODES.sygdomshaandtering},3\n`;
    const body = (await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(csv).expect(200)).body as Parameters;
    const n2 = params(body, 'niveau2').find((p) => part(p, 'intervention')?.valueCoding?.code === NEXT.added);
    expect(part(n2, 'lovparagraf')?.valueString).toBe(P119);
    const n1 = params(body, 'niveau1').find((p) => part(p, 'niveau1')?.valueCoding?.code === CODES.paragraf119);
    expect(part(n1, 'count')?.valueInteger).toBe(7);
    expect(part(n1, 'lovparagraf')?.valueString).toBe(P119);
    const rows = parse((await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(csv)
      .expect(200)).text, { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.level === 'niveau2' || r.level === 'niveau1').map((r) => r.lovparagraf)).toEqual([P119, P119, P119]);
  });
});

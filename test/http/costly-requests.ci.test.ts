/**
 * Requests whose resources are too large or nested too deep to answer (a 200,000-concept code system to expand,
 * chains of 15,000 value sets or concept maps): 422 too-costly, never a 500, and the server goes on answering. The
 * time budget and the limits themselves are specified in hardening.test.ts; these build and send inputs of several
 * megabytes, so they run in CI and `npm run test:all` rather than in `npm test` (jest.config.js).
 */
import type { CodeSystem, OperationOutcome, ValueSet } from 'fhir/r4';
import pino from 'pino';
import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { FSIII, publishedCatalogs, testConfig } from '../support/app';
import { errorLogLines } from '../support/error-log';

const JSON_TYPE = 'application/fhir+json';
const LOOKUP = `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`;

const errors = errorLogLines();
let app: App;

beforeAll(async () => {
  app = await createApp({
    config: testConfig({ operationTimeBudgetMs: 300 }), store: new MemoryStore(), logger: pino({ level: 'warn' }, errors.stream), published: publishedCatalogs(),
  });
});

afterEach(() => {
  expect(errors.lines).toEqual([]);
});

function outcome(body: unknown): OperationOutcome {
  expect((body as { resourceType?: string }).resourceType).toBe('OperationOutcome');
  return body as OperationOutcome;
}

describe('a code system too large to expand', () => {
  it('answers an $expand of a 200,000-concept tx-resource code system with 422 too-costly', async () => {
    const big: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/fhir/CodeSystem/big', status: 'active', content: 'complete',
      concept: Array.from({ length: 200_000 }, (_, i) => ({ code: `c${i}` })),
    };
    const vs: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: big.url }] } };
    const res = await request(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: vs }, { name: 'tx-resource', resource: big }] });
    expect(res.status).toBe(422);
    expect(outcome(res.body).issue[0].code).toBe('too-costly');
    await request(app).get(LOOKUP).expect(200); // and the server goes on answering
  });
});

describe('resources nested deeper than the stack', () => {
  const post = (path: string, body: unknown) => request(app).post(path).type(JSON_TYPE).send(JSON.stringify(body));

  it('a chain of 15,000 value sets, each importing the next, is 422 too-costly, not a 500', async () => {
    const url = (i: number) => `http://example.org/fhir/ValueSet/chain-${i}`;
    const sets = Array.from({ length: 15_000 }, (_, i): ValueSet => ({
      resourceType: 'ValueSet', url: url(i), status: 'active',
      compose: { include: [i === 14_999 ? { system: 'http://hl7.org/fhir/administrative-gender' } : { valueSet: [url(i + 1)] }] },
    }));
    const res = await post('/fhir/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: url(0) }, ...sets.map((resource) => ({ name: 'tx-resource', resource }))] });
    expect(res.status).toBe(422);
    expect(outcome(res.body).issue[0]!.code).toBe('too-costly');
  });

  it('a chain of 15,000 concept maps, each naming the next for what it does not map, is 422 too-costly, not a 500', async () => {
    const url = (i: number) => `http://example.org/fhir/ConceptMap/chain-${i}`;
    const maps = Array.from({ length: 15_000 }, (_, i) => ({
      resourceType: 'ConceptMap', url: url(i), status: 'active',
      group: [{ source: 'http://example.org/s', target: 'http://example.org/t', element: [{ code: 'other', target: [{ code: 'o', equivalence: 'equivalent' }] }],
        unmapped: i === 14_999 ? { mode: 'fixed', code: 'z' } : { mode: 'other-map', url: url(i + 1) } }],
    }));
    const res = await post('/fhir/ConceptMap/$translate', {
      resourceType: 'Parameters',
      parameter: [{ name: 'url', valueUri: url(0) }, { name: 'system', valueUri: 'http://example.org/s' }, { name: 'code', valueCode: 'x' }, ...maps.map((resource) => ({ name: 'tx-resource', resource }))],
    });
    expect(res.status).toBe(422);
    expect(outcome(res.body).issue[0]!.code).toBe('too-costly');
  });
});

describe('a roll-up that would be no summary', () => {
  it('stops with 422 too-costly when its time budget is spent, and the server goes on answering', async () => {
    const csv = ['kommunekode,system,kode,antal', ...Array.from({ length: 200_000 }, (_, i) => `101,${FSIII},ukendt-${i},1`)].join('\n');
    const res = await request(app).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').send(csv).expect(422);
    expect(outcome(res.body).issue[0]).toMatchObject({ code: 'too-costly' });
    expect(res.body.issue[0].details.text).toMatch(/time budget of 300 ms/);
    await request(app).get(LOOKUP).expect(200);
  });

  it('is 422 too-costly when its rows would give more counts than a roll-up may take rows (an offer in a period of its own per row)', async () => {
    // the default time budget: the limit on counts, not the time, is what stops this one
    const rollupApp = await createApp({ config: testConfig(), store: new MemoryStore(), logger: pino({ level: 'warn' }, errors.stream), published: publishedCatalogs() });
    const system = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';
    const offer = '370-KOL-REHAB';
    const targets = (await request(rollupApp).get('/fhir/ConceptMap/$translate').query({ system, code: offer }).expect(200)).body.parameter
      .filter((p: { name: string }) => p.name === 'match').length;
    expect(targets).toBeGreaterThan(1);
    const rows = Math.ceil(200_001 / targets);
    const day = (i: number) => new Date(Date.UTC(1800, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const csv = ['kommunekode,system,kode,antal,periode', ...Array.from({ length: rows }, (_, i) => `370,${system},${offer},1,${day(i)}`)].join('\n');
    const res = await request(rollupApp).post('/fhir/ConceptMap/$rollup').set('Content-Type', 'text/csv').set('Accept-Language', 'da').send(csv).expect(422);
    expect(outcome(res.body).issue[0]).toMatchObject({ code: 'too-costly' });
    expect(res.body.issue[0].details.text).toMatch(/^Optællingen ville give mere end 200000 tal/);
    await request(rollupApp).get(LOOKUP).expect(200);
  });
});

describe('a submission of more issues than a call takes arguments', () => {
  it('$validate of a Bundle of 150,000 entries each missing its required elements lists the first issues, not a 422 of nesting', async () => {
    // the time budget is not what this checks: on a busy runner the whole Bundle may take longer than the default
    const config = testConfig({ operationTimeBudgetMs: 0, requestTimeoutMs: 300_000 });
    const own = await createApp({ config, store: new MemoryStore(), logger: pino({ level: 'warn' }, errors.stream), published: publishedCatalogs() });
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 150_000 }, () => ({ resource: { resourceType: 'Observation' } })) };
    const res = await request(own).post('/fhir/$validate').set('Accept-Language', 'en').type(JSON_TYPE).send(bundle);
    const issues = outcome(res.body).issue;
    expect([res.status, issues[0]?.code]).toEqual([200, 'structure']);
    expect(issues[0]).toMatchObject({ severity: 'error', expression: ['Bundle.entry[0].resource'] });
    expect(issues.at(-1)?.details?.text).toMatch(/^… and \d+ more issues, not listed/);
  }, 300_000);
});

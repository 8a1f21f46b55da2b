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

/**
 * Code systems whose hierarchy is deep or whose lists are long, given as tx-resources (the server is asked about
 * catalogs it has not seen): hierarchy filters, `$compare` and value sets with an expansion are answered in proportion
 * to their size. Walking up from every concept of a deep hierarchy (size × depth), or a list spread into a call's
 * arguments (a RangeError past ~120,000 items), made them "too costly" answers instead. Each request carries megabytes
 * of concepts, so these run in CI and `npm run test:all` rather than in `npm test` (jest.config.js).
 */
import type { CodeSystem, CodeSystemConcept, OperationOutcome, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { param, parametersOf } from '../support/parameters';

const CS_URL = 'http://example.org/fhir/CodeSystem/chain';
const VS_URL = 'http://example.org/fhir/ValueSet/chain';
const DEPTH = 20_000;

let app: App;

beforeAll(async () => {
  // what is measured here is that the work is done, not how long it may take: budgets a loaded CI machine does not meet
  app = await testApp({ definitionsTimeBudgetMs: 0, operationTimeBudgetMs: 0, requestTimeoutMs: 240_000 });
});

/** Codes c0 … c(n-1), each the child of the one before it (stated with the `parent` property), and a root `other` beside them. */
function chain(n: number): CodeSystem {
  const concept: CodeSystemConcept[] = [{ code: 'other', display: 'Other root' }];
  for (let i = 0; i < n; i++) {
    concept.push({ code: `c${i}`, display: `Level ${i}`, ...(i > 0 ? { property: [{ code: 'parent', valueCode: `c${i - 1}` }] } : {}) });
  }
  return {
    resourceType: 'CodeSystem', url: CS_URL, status: 'active', content: 'complete', hierarchyMeaning: 'is-a',
    property: [{ code: 'parent', type: 'code' }], concept,
  };
}

function filtered(op: string, value: string): ValueSet {
  return { resourceType: 'ValueSet', url: VS_URL, status: 'active', compose: { include: [{ system: CS_URL, filter: [{ property: 'concept', op: op as 'is-a', value }] }] } };
}

const codeSystem = chain(DEPTH);

async function post(operation: string, ...parameter: unknown[]): Promise<request.Response> {
  return request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json').send(parametersOf(...parameter));
}

const txResources = (vs: ValueSet): unknown[] => [{ name: 'tx-resource', resource: codeSystem }, { name: 'tx-resource', resource: vs }];

describe('hierarchy filters on a code system 20,000 levels deep', () => {
  it.each([
    ['is-a', 'c0', DEPTH],
    ['descendent-of', 'c0', DEPTH - 1],
    ['is-not-a', 'c10000', 10_001],
    ['descendent-leaf', 'c0', 1],
  ])('$expand %s %s pages through all %i codes', async (op, value, total) => {
    const res = await post('$expand', { name: 'url', valueUri: VS_URL }, { name: 'count', valueInteger: 3 }, ...txResources(filtered(op, value)));
    expect(res.status).toBe(200);
    expect((res.body as ValueSet).expansion?.total).toBe(total);
    expect((res.body as ValueSet).expansion?.contains).toHaveLength(op === 'descendent-leaf' ? 1 : 3);
  });

  it('$validate-code finds the deepest code under the top one, and a code of the other root not under it', async () => {
    const vs = filtered('is-a', 'c0');
    const deepest = await post('$validate-code', { name: 'url', valueUri: VS_URL }, { name: 'system', valueUri: CS_URL },
      { name: 'code', valueCode: `c${DEPTH - 1}` }, ...txResources(vs));
    expect(deepest.status).toBe(200);
    expect(param(deepest.body, 'result')?.valueBoolean).toBe(true);
    const beside = await post('$validate-code', { name: 'url', valueUri: VS_URL }, { name: 'system', valueUri: CS_URL },
      { name: 'code', valueCode: 'other' }, ...txResources(vs));
    expect(param(beside.body, 'result')?.valueBoolean).toBe(false);
  });

  it('generalizes the deepest code is the whole chain, and not the other root', async () => {
    const res = await post('$expand', { name: 'url', valueUri: VS_URL }, { name: 'count', valueInteger: 1 }, ...txResources(filtered('generalizes', `c${DEPTH - 1}`)));
    expect(res.status).toBe(200);
    expect((res.body as ValueSet).expansion?.total).toBe(DEPTH);
  });
});

describe('long lists', () => {
  const many = 150_000;
  const codes = Array.from({ length: many }, (_, i) => `k${i}`);
  const flat: CodeSystem = {
    resourceType: 'CodeSystem', url: 'urn:x:long', status: 'active', content: 'complete',
    concept: codes.map((code) => ({ code })),
  };
  const enumerated = (url: string): ValueSet => ({
    resourceType: 'ValueSet', url, status: 'active', compose: { include: [{ system: flat.url, concept: codes.map((code) => ({ code })) }] },
  });

  it('$compare of two value sets each listing 150,000 codes says they are the same', async () => {
    const res = await post('$compare', { name: 'thisValueSet', resource: enumerated('http://example.org/fhir/ValueSet/a') },
      { name: 'otherValueSet', resource: enumerated('http://example.org/fhir/ValueSet/b') }, { name: 'tx-resource', resource: flat });
    expect((res.body as OperationOutcome).resourceType).toBe('Parameters');
    expect(param(res.body, 'result')?.valueCode).toBe('same');
  });

  it('$validate-code against a value set given only as an expansion whose one entry holds 150,000 codes finds the last', async () => {
    const contains: ValueSetExpansionContains[] = [{ system: flat.url, code: 'group', abstract: true, contains: codes.map((code) => ({ system: flat.url, code })) }];
    const vs: ValueSet = {
      resourceType: 'ValueSet', url: 'http://example.org/fhir/ValueSet/expanded', status: 'active',
      expansion: { timestamp: '2026-01-01T00:00:00Z', total: many + 1, contains },
    };
    const res = await post('$validate-code', { name: 'valueSet', resource: vs }, { name: 'system', valueUri: flat.url },
      { name: 'code', valueCode: `k${many - 1}` }, { name: 'tx-resource', resource: flat });
    expect(res.status).toBe(200);
    expect(param(res.body, 'result')?.valueBoolean).toBe(true);
  });
});

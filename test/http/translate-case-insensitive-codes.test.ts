/**
 * $translate finds the code of a code system that is not case sensitive (CodeSystem.caseSensitive false) whatever its
 * case, as $lookup and $validate-code do: forward by the source system's rule, reverse by the target system's. A
 * case-sensitive system, or one the server does not know, compares the codes as they are.
 */
import type { CodeSystem, ConceptMap, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';
import { param, params, parametersOf, part } from '../support/parameters';

const FHIR_JSON = 'application/fhir+json';
const BASE = 'http://example.org/fhir';
const U = `${BASE}/CodeSystem/case-u`;
const T = `${BASE}/CodeSystem/case-t`;
const STRICT = `${BASE}/CodeSystem/case-strict`;
const UNKNOWN = `${BASE}/CodeSystem/case-unknown`;

function codeSystem(id: string, caseSensitive: boolean, codes: string[]): CodeSystem {
  return {
    resourceType: 'CodeSystem', id, url: `${BASE}/CodeSystem/${id}`, version: '1', status: 'active', content: 'complete', caseSensitive,
    concept: codes.map((code) => ({ code, display: `Concept ${code}` })),
  };
}

const MAP: ConceptMap = {
  resourceType: 'ConceptMap', id: 'case-map', url: `${BASE}/ConceptMap/case-map`, version: '1', status: 'active',
  group: [
    { source: U, target: T, element: [{ code: 'A', target: [{ code: 'T1', equivalence: 'equivalent' }] }] },
    { source: STRICT, target: T, element: [{ code: 'S', target: [{ code: 'T2', equivalence: 'equivalent' }] }] },
    { source: UNKNOWN, target: STRICT, element: [{ code: 'K', target: [{ code: 'S', equivalence: 'equivalent' }] }] },
  ],
};

let app: App;

beforeAll(async () => {
  app = await testApp();
  const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
  const writes: [string, CodeSystem | ConceptMap][] = [
    ['CodeSystem/case-u', codeSystem('case-u', false, ['A', 'B'])],
    ['CodeSystem/case-t', codeSystem('case-t', false, ['T1', 'T2'])],
    ['CodeSystem/case-strict', codeSystem('case-strict', true, ['S'])],
    ['ConceptMap/case-map', MAP],
  ];
  for (const [path, resource] of writes) {
    const res = await request(app).put(`/fhir/${path}`).set('Authorization', admin).type(FHIR_JSON).send(resource);
    expect([path, res.status]).toEqual([path, 201]);
  }
});

async function translate(query: Record<string, string>): Promise<Parameters> {
  return (await request(app).get('/fhir/ConceptMap/$translate').query(query).expect(200)).body as Parameters;
}

/** Each match as its concept's code (and source's, when there is one) and originMap. */
const matches = (p: Parameters): string[] => params(p, 'match').map((m) => [part(m, 'source')?.valueCoding?.code, part(m, 'concept')?.valueCoding?.code,
  part(m, 'originMap')?.valueCanonical].filter((x) => x !== undefined).join(' '));
const result = (p: Parameters) => param(p, 'result')?.valueBoolean;
const ORIGIN = `${BASE}/ConceptMap/case-map|1`;

describe('$translate on a code system that is not case sensitive', () => {
  it('forward: takes `a` for the map\'s `A`, with the map named and without, as $validate-code takes it', async () => {
    for (const code of ['A', 'a']) {
      expect(matches(await translate({ url: MAP.url!, system: U, code }))).toEqual([`T1 ${ORIGIN}`]);
      expect(matches(await translate({ system: U, code }))).toEqual([`T1 ${ORIGIN}`]);
    }
    const validated = await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: U, code: 'a' }).expect(200);
    expect(result(validated.body as Parameters)).toBe(true);
  });

  it('forward: by coding and codeableConcept too (POST, inline conceptMap; a coding without a system names nothing to translate)', async () => {
    const res = await request(app).post('/fhir/ConceptMap/$translate').type(FHIR_JSON)
      .send(parametersOf({ name: 'conceptMap', resource: MAP }, { name: 'codeableConcept', valueCodeableConcept: { coding: [{ code: 'A' }, { system: U, code: 'a' }, { system: U, code: 'b' }] } }))
      .expect(200);
    expect(matches(res.body as Parameters)).toEqual([`a T1 ${ORIGIN}`]);
  });

  it('reverse: takes `t1` for the target `T1` (R4 reverse and R5 targetCode)', async () => {
    for (const code of ['T1', 't1']) {
      expect(matches(await translate({ url: MAP.url!, system: T, code, reverse: 'true' }))).toEqual([`A ${ORIGIN}`]);
      expect(matches(await translate({ targetSystem: T, targetCode: code }))).toEqual([`A ${code} ${ORIGIN}`]);
    }
  });

  it('a code that is no code but for case either is still not mapped', async () => {
    const answer = await translate({ url: MAP.url!, system: U, code: 'b' });
    expect([result(answer), matches(answer)]).toEqual([false, []]);
  });
});

describe('$translate on a case-sensitive code system, or one the server does not know', () => {
  it('compares the codes as they are, forward and reverse', async () => {
    for (const query of [
      { url: MAP.url!, system: STRICT, code: 's' } as Record<string, string>,
      { url: MAP.url!, system: UNKNOWN, code: 'k' },
      { url: MAP.url!, system: STRICT, code: 's', reverse: 'true' },
    ]) {
      const answer = await translate(query);
      expect([query, result(answer), matches(answer)]).toEqual([query, false, []]);
    }
    expect(matches(await translate({ url: MAP.url!, system: STRICT, code: 'S' }))).toEqual([`T2 ${ORIGIN}`]);
    expect(matches(await translate({ url: MAP.url!, system: UNKNOWN, code: 'K' }))).toEqual([`S ${ORIGIN}`]);
  });
});

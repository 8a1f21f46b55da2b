/**
 * A hierarchy filter naming a code the code system does not have: no concept is that code, below it or above it, so
 * `is-not-a` and `not-in` select every concept (as tx.fhir.org does) and `is-a`, `descendent-of`, `descendent-leaf`,
 * `child-of` and `generalizes` select none; `$expand` and `$validate-code` agree on each code.
 */
import type { CodeSystem, ParametersParameter, ValueSet, ValueSetComposeIncludeFilter, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';

const CS = 'http://example.org/fhir/CodeSystem/filter-unknown-code';
const VS = 'http://example.org/fhir/ValueSet/filter-unknown-code';

/** A › A1, B */
const CODE_SYSTEM: CodeSystem = {
  resourceType: 'CodeSystem', url: CS, version: '1', status: 'active', content: 'complete', caseSensitive: true,
  concept: [{ code: 'A', concept: [{ code: 'A1' }] }, { code: 'B' }],
};
const CODES = ['A', 'A1', 'B'];

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (operation: '$expand' | '$validate-code', filter: ValueSetComposeIncludeFilter, code?: string) => {
  const valueSet: ValueSet = { resourceType: 'ValueSet', url: VS, status: 'active', compose: { include: [{ system: CS, filter: [filter] }] } };
  const parameter: ParametersParameter[] = [
    { name: 'tx-resource', resource: CODE_SYSTEM }, { name: 'tx-resource', resource: valueSet }, { name: 'url', valueUri: VS },
    ...(code ? [{ name: 'system', valueUri: CS }, { name: 'code', valueCode: code }] : []),
  ];
  return request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Parameters', parameter });
};

describe('a hierarchy filter on a code the code system does not have', () => {
  it.each([
    ['is-not-a', CODES],
    ['not-in', CODES],
    ['is-a', []],
    ['descendent-of', []],
    ['descendent-leaf', []],
    ['child-of', []],
    ['generalizes', []],
  ])('%s selects %j in $expand and $validate-code alike', async (op, selected) => {
    const filter = { property: 'concept', op, value: 'NOPE' } as ValueSetComposeIncludeFilter;
    const expansion = ((await post('$expand', filter).expect(200)).body as ValueSet).expansion;
    expect(expansion?.total).toBe(selected.length);
    const flat = (contains: ValueSetExpansionContains[] | undefined): string[] => (contains ?? []).flatMap((c) => [c.code!, ...flat(c.contains)]);
    expect(flat(expansion?.contains).sort()).toEqual(selected);
    for (const code of CODES) {
      expect([code, value((await post('$validate-code', filter, code).expect(200)).body, 'result')]).toEqual([code, selected.includes(code)]);
    }
  });
});

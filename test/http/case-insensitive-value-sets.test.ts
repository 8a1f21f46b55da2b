/**
 * A code system that is not case sensitive (CodeSystem.caseSensitive false), given as a tx-resource with value sets
 * of its codes: codes differing only in case are the same code, for every include, exclude and filter, and `$expand`
 * and `$validate-code` agree on which codes a value set has. The same value sets of a case-sensitive system do not
 * fold case. A code found in another case is valid, with an information issue naming the code system's code.
 */
import type { CodeSystem, OperationOutcome, ValueSet, ValueSetCompose } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { parametersOf, valueNamed } from '../support/parameters';

const INSENSITIVE = 'http://example.org/fhir/CodeSystem/case-insensitive';
const SENSITIVE = 'http://example.org/fhir/CodeSystem/case-sensitive';
const VS_URL = 'http://example.org/fhir/ValueSet/case';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

/** a (a1, B1), c2 */
const codeSystem = (url: string, caseSensitive: boolean): CodeSystem => ({
  resourceType: 'CodeSystem', url, version: '1', status: 'active', content: 'complete', caseSensitive,
  concept: [
    { code: 'a', display: 'A', concept: [{ code: 'a1', display: 'A one' }, { code: 'B1', display: 'B one' }] },
    { code: 'c2', display: 'C two' },
  ],
});

const post = (operation: string, ...parameter: unknown[]): Promise<request.Response> =>
  request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json').send(parametersOf(...parameter));

/** What defines the value set's codes: its compose, or only an expansion given with it. */
type Definition = Pick<ValueSet, 'compose' | 'expansion'>;

const txResources = (system: string, definition: Definition): unknown[] => [
  { name: 'tx-resource', resource: codeSystem(system, system === SENSITIVE) },
  { name: 'tx-resource', resource: { resourceType: 'ValueSet', url: VS_URL, version: '1', status: 'active', ...definition } satisfies ValueSet },
];

/** Every code of the code system, as written and in the other case. */
const CANDIDATES = ['a', 'A', 'a1', 'A1', 'B1', 'b1', 'c2', 'C2'];

type Form = [string, (system: string) => ValueSetCompose, string[], string[]];

const FORMS: Form[] = [
  ['a list of the code system\'s code', (system) => ({ include: [{ system, concept: [{ code: 'B1' }] }] }), ['B1'], ['B1']],
  ['a list of the code in another case', (system) => ({ include: [{ system, concept: [{ code: 'b1' }] }] }), ['B1'], []],
  ['an exclude listing the code in another case', (system) => ({ include: [{ system }], exclude: [{ system, concept: [{ code: 'b1' }] }] }),
    ['a', 'a1', 'c2'], ['B1', 'a', 'a1', 'c2']],
  ['concept = b1', (system) => ({ include: [{ system, filter: [{ property: 'concept', op: '=', value: 'b1' }] }] }), ['B1'], []],
  ['concept in b1,A1', (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'in', value: 'b1,A1' }] }] }), ['B1', 'a1'], []],
  ['concept not-in a,b1', (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'not-in', value: 'a,b1' }] }] }),
    ['a1', 'c2'], ['B1', 'a1', 'c2']],
];

async function expectAgreement(system: string, definition: (system: string) => Definition, members: string[]): Promise<void> {
  const resources = txResources(system, definition(system));
  const expansion = await post('$expand', { name: 'url', valueUri: VS_URL }, ...resources);
  expect(expansion.status).toBe(200);
  expect(((expansion.body as ValueSet).expansion?.contains ?? []).map((c) => c.code).sort()).toEqual([...members].sort());
  for (const code of CANDIDATES) {
    const own = system === INSENSITIVE ? members.find((m) => m.toLowerCase() === code.toLowerCase()) : members.find((m) => m === code);
    const res = await post('$validate-code', { name: 'url', valueUri: VS_URL }, { name: 'system', valueUri: system },
      { name: 'code', valueCode: code }, ...resources);
    expect(res.status).toBe(200);
    expect({ code, result: valueNamed(res.body, 'result') }).toEqual({ code, result: own !== undefined });
    const issues = (valueNamed(res.body, 'issues') as OperationOutcome | undefined)?.issue ?? [];
    if (own === undefined) {
      expect(valueNamed(res.body, 'message')).toContain('not found in the value set');
      continue;
    }
    expect(valueNamed(res.body, 'code')).toBe(code);
    if (own === code) {
      expect(issues).toEqual([]);
      continue;
    }
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'information', code: 'business-rule', expression: ['code'] });
    expect(issues[0]?.details?.text).toBe(`The code '${code}' differs from the correct code '${own}' by case. Although the code system `
      + `'${INSENSITIVE}|1' is case insensitive, implementers are strongly encouraged to use the correct case anyway`);
    expect(valueNamed(res.body, 'normalized-code')).toBe(own);
  }
}

describe('value sets of a code system that is not case sensitive', () => {
  it.each(FORMS)('%s: $expand and $validate-code take the codes in either case', async (_name, compose, members) => {
    await expectAgreement(INSENSITIVE, (system) => ({ compose: compose(system) }), members);
  });
});

describe('the same value sets of a case-sensitive code system', () => {
  it.each(FORMS)('%s: codes in another case are not found', async (_name, compose, _folded, members) => {
    await expectAgreement(SENSITIVE, (system) => ({ compose: compose(system) }), members);
  });
});

describe('a value set given by its expansion only', () => {
  const expansionOnly = (system: string): Definition => ({
    expansion: { timestamp: '2025-01-01T00:00:00Z', contains: [{ system, code: 'a', display: 'A' }, { system, code: 'B1', display: 'B one' }] },
  });

  it('takes its codes in either case when the code system is not case sensitive, as a compose listing them does', async () => {
    await expectAgreement(INSENSITIVE, expansionOnly, ['a', 'B1']);
  });

  it('does not find a code in another case when the code system is case sensitive', async () => {
    await expectAgreement(SENSITIVE, expansionOnly, ['a', 'B1']);
  });
});

describe('normalized-code of a CodeableConcept', () => {
  const other: CodeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/fhir/CodeSystem/other', version: '1', status: 'active', content: 'complete', concept: [{ code: 'x', display: 'X' }] };
  const both = { compose: { include: [{ system: INSENSITIVE }, { system: other.url }] } };
  const validate = async (codings: { system: string; code: string }[]) => {
    const res = await post('$validate-code', { name: 'url', valueUri: VS_URL }, { name: 'codeableConcept', valueCodeableConcept: { coding: codings } },
      ...txResources(INSENSITIVE, both), { name: 'tx-resource', resource: other });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('is the code system\'s case of the coding the answer reports, not of another coding', async () => {
    const first = await validate([{ system: other.url!, code: 'x' }, { system: INSENSITIVE, code: 'b1' }]);
    expect([valueNamed(first, 'result'), valueNamed(first, 'code'), valueNamed(first, 'normalized-code')]).toEqual([true, 'x', undefined]);
    const second = await validate([{ system: INSENSITIVE, code: 'b1' }, { system: other.url!, code: 'x' }]);
    expect([valueNamed(second, 'result'), valueNamed(second, 'code'), valueNamed(second, 'normalized-code')]).toEqual([true, 'b1', 'B1']);
  });
});

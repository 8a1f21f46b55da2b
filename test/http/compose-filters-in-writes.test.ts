/**
 * A value set whose compose filters a code system the server has by a filter its expansion cannot evaluate — a
 * regular expression that is not valid or too costly, `exists` with a value that is not a boolean, a property or an
 * operator the code system does not have — is not written (422, the write rules' OperationOutcome, in English and
 * Danish): stored, it would refuse every `$expand` and `$validate-code` of it, blaming callers who did nothing wrong.
 * The same filters are refused by `$expand` as they are by the write. A filter of a code system the server does not
 * have is written with the warning that code system's absence gives.
 */
import type { OperationOutcome, OperationOutcomeIssue, ValueSet, ValueSetComposeIncludeFilter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { appWithToken, FSIII } from '../support/app';
import { parametersOf } from '../support/parameters';

const FSIII_CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';

let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101' }));
});

const valueSet = (name: string, filter: ValueSetComposeIncludeFilter[], part: 'include' | 'exclude' = 'include', system = FSIII): ValueSet => ({
  resourceType: 'ValueSet', id: municipalId('101', name), url: municipalUrl('101', 'ValueSet', name),
  identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }], version: '1', name: 'Filtered', status: 'active',
  compose: part === 'include' ? { include: [{ system, filter }] } : { include: [{ system: FSIII }], exclude: [{ system, filter }] },
});

const put = (vs: ValueSet, lang?: string) => {
  const r = request(app).put(`/fhir/ValueSet/${vs.id}`).set('Authorization', auth).type('application/fhir+json');
  return (lang ? r.set('Accept-Language', lang) : r).send(vs);
};
const errors = (res: request.Response): OperationOutcomeIssue[] => (res.body as OperationOutcome).issue.filter((i) => i.severity === 'error');

const unevaluable: [string, ValueSetComposeIncludeFilter, string][] = [
  ['a regex that does not parse', { property: 'code', op: 'regex', value: '(' }, 'value'],
  ['a regex with a range backwards', { property: 'code', op: 'regex', value: '[z-a]' }, 'value'],
  ['a regex repeating more than RE2 allows', { property: 'code', op: 'regex', value: 'a{1001}' }, 'value'],
  ['a regex with a lookahead', { property: 'code', op: 'regex', value: '(?=a)' }, 'value'],
  ['a regex too costly to compile', { property: 'code', op: 'regex', value: '(a{100}){100}' }, 'value'],
  ['exists with a value that is no boolean', { property: 'child', op: 'exists', value: 'maybe' }, 'value'],
  ['a property the code system does not have', { property: 'zzz', op: '=', value: 'x' }, 'property'],
  ['an operator the property does not have', { property: 'display', op: 'is-a', value: 'x' }, ''],
];

describe.each(unevaluable)('a value set filtering a known code system by %s', (_what, filter, where) => {
  it('is not written (422 naming the filter), and nothing is stored', async () => {
    for (const part of ['include', 'exclude'] as const) {
      const vs = valueSet('bad', [{ property: 'concept', op: 'is-a', value: FSIII_CODE }, filter], part);
      const res = await put(vs);
      expect(res.status).toBe(422);
      const path = `ValueSet.compose.${part}[0].filter[1]`;
      expect(errors(res)).toEqual([expect.objectContaining({ expression: [where ? `${path}.${where}` : path] })]);
      await request(app).get(`/fhir/ValueSet/${vs.id}`).expect(404);
    }
  });

  it('is refused by $expand, as the write refuses it', async () => {
    const res = await request(app).post('/fhir/ValueSet/$expand').type('application/fhir+json')
      .send(parametersOf({ name: 'valueSet', resource: valueSet('bad', [filter]) }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

it('the refusal is in Danish to a caller who asks for Danish, with the English beside it', async () => {
  const res = await put(valueSet('bad', [{ property: 'code', op: 'regex', value: '(' }]), 'da').expect(422);
  const issue = errors(res)[0]!;
  expect(issue.details?.text).toBe("Det regulære udtryk '(' er ikke gyldigt: der mangler en afsluttende ')' ('(')");
  expect(JSON.stringify(issue.details?._text)).toContain("The regular expression '(' is not valid");
  const exists = errors(await put(valueSet('bad', [{ property: 'child', op: 'exists', value: 'maybe' }]), 'da').expect(422))[0]!;
  expect(exists.details?.text).toBe("Værdien af et filter på egenskaben 'child' skal være 'true' eller 'false', ikke 'maybe'");
});

it('a value set whose filters its expansion evaluates is written', async () => {
  const vs = valueSet('good', [
    { property: 'code', op: 'regex', value: '6eddbaf7-.*' }, { property: 'child', op: 'exists', value: 'false' },
    { property: 'concept', op: 'is-not-a', value: 'not-a-code' },
  ]);
  await put(vs).expect(201);
  const expanded = await request(app).get('/fhir/ValueSet/$expand').query({ url: vs.url }).expect(200);
  expect((expanded.body as ValueSet).expansion?.contains?.map((c) => c.code)).toEqual([FSIII_CODE]);
});

it("a filter of a code system the server does not have is written, with the warning of that code system's absence", async () => {
  const vs = valueSet('unknown-system', [{ property: 'code', op: 'regex', value: '(' }], 'include', 'http://example.org/fhir/CodeSystem/not-here');
  const res = await request(app).put(`/fhir/ValueSet/${vs.id}`).set('Authorization', auth).set('Prefer', 'return=OperationOutcome')
    .type('application/fhir+json').send(vs);
  expect(res.status).toBe(201);
  expect((res.body as OperationOutcome).issue.filter((i) => i.severity !== 'information')).toEqual([
    expect.objectContaining({ severity: 'warning', code: 'not-found', expression: ['ValueSet.compose.include[0].system'] }),
  ]);
});

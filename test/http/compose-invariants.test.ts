/**
 * FHIR's invariants of a ValueSet compose's includes and excludes — vsd-1 (a value set or a system), vsd-2 (concepts
 * or filters need a system), vsd-3 (concepts or filters, not both): a value set breaking them defines no codes, so
 * `$validate-code` refuses it as `$expand` does (400 vs-invalid at the include) instead of taking any code, and a write
 * of one is refused (422 invariant) with nothing stored.
 */
import type { OperationOutcome, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken, FSIII } from '../support/app';
import { parametersOf } from '../support/parameters';

const FSIII_CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';

let app: App;
let admin: string;

beforeAll(async () => {
  ({ app, auth: admin } = await appWithToken({ scope: 'admin' }));
});

const valueSet = (include: ValueSetComposeInclude[], exclude?: ValueSetComposeInclude[]): ValueSet => ({
  resourceType: 'ValueSet', id: 'invariants', url: 'http://example.org/fhir/ValueSet/invariants', status: 'active',
  compose: { include, ...(exclude ? { exclude } : {}) },
});

const broken: [string, ValueSet, string][] = [
  ['concepts without a system (vsd-2)', valueSet([{ concept: [{ code: 'zzz' }] }]), 'ValueSet.compose.include[0]'],
  ['filters without a system (vsd-2)', valueSet([{ filter: [{ property: 'concept', op: 'is-a', value: 'zzz' }] }]), 'ValueSet.compose.include[0]'],
  ['an include naming nothing (vsd-1)', valueSet([{ system: FSIII }, {}]), 'ValueSet.compose.include[1]'],
  ['concepts and filters together (vsd-3)', valueSet([{ system: FSIII, concept: [{ code: FSIII_CODE }], filter: [{ property: 'concept', op: 'is-a', value: FSIII_CODE }] }]), 'ValueSet.compose.include[0]'],
  ['an exclude naming nothing (vsd-1)', valueSet([{ system: FSIII }], [{}]), 'ValueSet.compose.exclude[0]'],
];

describe.each(broken)('a value set with %s', (_what, vs, path) => {
  it('is refused by $validate-code (400 vs-invalid naming the include), whatever the code asked about', async () => {
    for (const [system, code] of [['http://nowhere.example.org/x', 'zzz'], [FSIII, FSIII_CODE]]) {
      const res = await request(app).post('/fhir/ValueSet/$validate-code').type('application/fhir+json')
        .send(parametersOf({ name: 'valueSet', resource: vs }, { name: 'system', valueUri: system }, { name: 'code', valueCode: code }));
      expect(res.status).toBe(400);
      const issue = (res.body as OperationOutcome).issue[0]!;
      expect(issue.expression).toEqual([path]);
      expect(issue.details?.coding?.[0]?.code).toBe('vs-invalid');
    }
  });

  it('is refused by $expand the same way', async () => {
    const res = await request(app).post('/fhir/ValueSet/$expand').type('application/fhir+json').send(parametersOf({ name: 'valueSet', resource: vs }));
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]!.expression).toEqual([path]);
  });

  it('is not written (422 invariant at the include), and nothing is stored', async () => {
    const res = await request(app).put(`/fhir/ValueSet/${vs.id}`).set('Authorization', admin).type('application/fhir+json').send(vs);
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue).toContainEqual(expect.objectContaining({ code: 'invariant', expression: [path] }));
    await request(app).get(`/fhir/ValueSet/${vs.id}`).expect(404);
  });
});

it('a value set keeping the invariants still validates and is written', async () => {
  const vs = valueSet([{ system: FSIII, concept: [{ code: FSIII_CODE }] }]);
  const res = await request(app).post('/fhir/ValueSet/$validate-code').type('application/fhir+json')
    .send(parametersOf({ name: 'valueSet', resource: vs }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: FSIII_CODE }));
  expect(res.status).toBe(200);
  await request(app).put(`/fhir/ValueSet/${vs.id}`).set('Authorization', admin).type('application/fhir+json').send(vs).expect(201);
});

describe('a value set that imports itself', () => {
  const importing = (id: string, ...imports: string[]): ValueSet => ({
    resourceType: 'ValueSet', id, url: `http://example.org/fhir/ValueSet/${id}`, status: 'active',
    compose: { include: [{ system: FSIII, concept: [{ code: FSIII_CODE }] }, ...imports.map((url) => ({ valueSet: [url] }))] },
  });
  const put = (vs: ValueSet) => request(app).put(`/fhir/ValueSet/${vs.id}`).set('Authorization', admin).type('application/fhir+json').send(vs);
  const cycleIssue = (res: request.Response) => (res.body as OperationOutcome).issue.find((i) => i.code === 'business-rule');

  it('directly, is not written (422 naming the cycle), and nothing is stored', async () => {
    const res = await put(importing('cycle-self', 'http://example.org/fhir/ValueSet/cycle-self'));
    expect(res.status).toBe(422);
    expect(cycleIssue(res)).toMatchObject({ expression: ['ValueSet.compose'] });
    expect(cycleIssue(res)?.details?.text).toContain('http://example.org/fhir/ValueSet/cycle-self -> http://example.org/fhir/ValueSet/cycle-self');
    await request(app).get('/fhir/ValueSet/cycle-self').expect(404);
  });

  it('through another value set written in the same transaction, refuses the transaction whole', async () => {
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [importing('cycle-a', 'http://example.org/fhir/ValueSet/cycle-b'), importing('cycle-b', 'http://example.org/fhir/ValueSet/cycle-a')]
        .map((resource) => ({ resource, request: { method: 'PUT', url: `ValueSet/${resource.id}` } })),
    };
    const res = await request(app).post('/fhir').set('Authorization', admin).type('application/fhir+json').send(bundle);
    expect(res.status).toBe(422);
    for (const id of ['cycle-a', 'cycle-b']) await request(app).get(`/fhir/ValueSet/${id}`).expect(404);
  });

  it('through a value set already stored, is not written; the import without the cycle is', async () => {
    await put(importing('chain-a')).expect(201);
    await put(importing('chain-b', 'http://example.org/fhir/ValueSet/chain-a')).expect(201);
    const res = await put(importing('chain-a', 'http://example.org/fhir/ValueSet/chain-b'));
    expect(res.status).toBe(422);
    expect(cycleIssue(res)?.details?.text).toContain('chain-a -> http://example.org/fhir/ValueSet/chain-b -> http://example.org/fhir/ValueSet/chain-a');
    const expanded = await request(app).get('/fhir/ValueSet/$expand').query({ url: 'http://example.org/fhir/ValueSet/chain-b' }).expect(200);
    expect((expanded.body as ValueSet).expansion?.contains?.map((c) => c.code)).toEqual([FSIII_CODE]);
  });
});

/**
 * `$expand` of a value set given by its expansion only (no compose): the expansion comes back as it is nested, an
 * element without a code (R4: abstract, a group) holding its codes, by the rules a municipality's picker follows —
 * the groups are not codes (not counted in total), `excludeNested` and a page list the codes flat, a text filter keeps
 * each hit under its groups, `excludeNotForUI` leaves the groups out.
 */
import type { Parameters, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { parametersOf } from '../support/parameters';

const SYSTEM = 'http://example.org/fhir/CodeSystem/given';
const VS_URL = 'http://example.org/fhir/ValueSet/given';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const code = (c: string, display: string, more: Partial<ValueSetExpansionContains> = {}): ValueSetExpansionContains => ({ system: SYSTEM, code: c, display, ...more });

/** A (A1 under it), X9, and a group without a code holding B and the inactive C. */
const GIVEN: ValueSetExpansionContains[] = [
  code('A', 'Alpha', { contains: [code('A1', 'Alpha one')] }),
  code('X9', 'Ex nine'),
  { abstract: true, display: 'group', contains: [code('B', 'Beta'), code('C', 'Gamma', { inactive: true })] },
];

const valueSet: ValueSet = {
  resourceType: 'ValueSet', url: VS_URL, version: '1', status: 'active',
  expansion: { timestamp: '2025-01-01T00:00:00Z', total: 5, contains: GIVEN },
};

async function expand(...more: unknown[]): Promise<NonNullable<ValueSet['expansion']>> {
  const res = await request(app).post('/fhir/ValueSet/$expand').set('Content-Type', 'application/fhir+json')
    .send(parametersOf({ name: 'url', valueUri: VS_URL }, { name: 'tx-resource', resource: valueSet }, ...more) as Parameters);
  expect(res.status).toBe(200);
  return (res.body as ValueSet).expansion!;
}

/** Each element as code (or the group's display), with what is under it. */
type Shape = string | [string, Shape[]];
const shape = (contains: ValueSetExpansionContains[] | undefined): Shape[] =>
  (contains ?? []).map((c) => (c.contains ? [c.code ?? c.display!, shape(c.contains)] : c.code ?? c.display!));

describe('$expand of a value set given by its expansion only', () => {
  it('returns it nested as given, the group without a code included, counting the codes only', async () => {
    const expansion = await expand();
    expect(shape(expansion.contains)).toEqual([['A', ['A1']], 'X9', ['group', ['B', 'C']]]);
    const { contains: grouped, ...group } = expansion.contains![2]!;
    expect(group).toEqual({ abstract: true, display: 'group' });
    expect(grouped![0]).toEqual({ system: SYSTEM, code: 'B', display: 'Beta' });
    expect(expansion.total).toBe(5);
  });

  it('lists the codes flat, without the group, for excludeNested=true and for a page', async () => {
    const flat = await expand({ name: 'excludeNested', valueBoolean: true });
    expect(shape(flat.contains)).toEqual(['A', 'A1', 'X9', 'B', 'C']);
    expect(flat.total).toBe(5);
    const page = await expand({ name: 'offset', valueInteger: 1 }, { name: 'count', valueInteger: 3 });
    expect(shape(page.contains)).toEqual(['A1', 'X9', 'B']);
    expect(page.total).toBe(5);
  });

  it('keeps a text filter\'s hit under its group, and leaves out a group with no hit', async () => {
    const beta = await expand({ name: 'filter', valueString: 'beta' });
    expect(shape(beta.contains)).toEqual([['group', ['B']]]);
    expect(beta.total).toBe(1);
    const alpha = await expand({ name: 'filter', valueString: 'alpha' });
    expect(shape(alpha.contains)).toEqual([['A', ['A1']]]);
    expect(alpha.total).toBe(2);
  });

  it('puts the codes under a code left out in its place (activeOnly), and leaves the groups out for excludeNotForUI', async () => {
    const active = await expand({ name: 'activeOnly', valueBoolean: true });
    expect(shape(active.contains)).toEqual([['A', ['A1']], 'X9', ['group', ['B']]]);
    expect(active.total).toBe(4);
    const forUI = await expand({ name: 'excludeNotForUI', valueBoolean: true });
    expect(shape(forUI.contains)).toEqual([['A', ['A1']], 'X9', 'B', 'C']);
    expect(forUI.total).toBe(5);
  });
});

/**
 * `ValueSet.compose.lockedDate` (R4: "the effective date that is used to determine the version of all referenced Code
 * Systems and Value Set Definitions included in the compose that are not already tied to a specific version"): an
 * include or a `valueSet` import without a version takes the version in force on that date (the latest whose `date`
 * is on or before the end of it), by `$expand` and `$validate-code` alike; an include's own version and
 * force-system-version come first, system-version (a default for a value set that leaves the version open) after.
 * No version in force then: the value set cannot be used (404 for `$expand`, result false for `$validate-code`).
 */
import type { CodeSystem, OperationOutcome, Parameters, ParametersParameter, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { params, valueNamed as value } from '../support/parameters';

const CS = 'http://example.org/fhir/CodeSystem/locked';
const VS = 'http://example.org/fhir/ValueSet/locked';
const INNER = 'http://example.org/fhir/ValueSet/locked-inner';

const codeSystem = (version: string, date: string, codes: string[]): CodeSystem => ({
  resourceType: 'CodeSystem', url: CS, version, date, status: 'active', content: 'complete',
  concept: codes.map((code) => ({ code, display: `${code} (${version})` })),
});
/** Version 1 in force from 2020-01-01 (codes a and b), version 2 from 2025-01-01 (a, b and c). */
const CODE_SYSTEMS = [codeSystem('1', '2020-01-01', ['a', 'b']), codeSystem('2', '2025-01-01', ['a', 'b', 'c'])];

const valueSet = (include: ValueSetComposeInclude[], lockedDate?: string, url = VS): ValueSet => ({
  resourceType: 'ValueSet', url, version: '1', status: 'active', compose: { ...(lockedDate !== undefined ? { lockedDate } : {}), include },
});
const txResources = (...resources: (CodeSystem | ValueSet)[]): ParametersParameter[] =>
  resources.map((resource) => ({ name: 'tx-resource', resource }));

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (operation: '$expand' | '$validate-code', parameter: ParametersParameter[], lang?: string) => {
  const r = request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json');
  return (lang ? r.set('Accept-Language', lang) : r).send({ resourceType: 'Parameters', parameter });
};

/** The codes and used-codesystem of an expansion of VS as given, with the code systems and extra parameters. */
async function expand(vs: ValueSet, extra: ParametersParameter[] = [], others: ValueSet[] = []) {
  const res = await post('$expand', [...txResources(...CODE_SYSTEMS, vs, ...others), { name: 'url', valueUri: VS }, ...extra]).expect(200);
  const expansion = (res.body as ValueSet).expansion!;
  return {
    codes: (expansion.contains ?? []).map((c) => c.code).sort(),
    used: expansion.parameter?.filter((p) => p.name === 'used-codesystem').map((p) => p.valueUri),
    usedValueSets: expansion.parameter?.filter((p) => p.name === 'used-valueset').map((p) => p.valueUri),
  };
}

/** $validate-code of CS#code in VS as given. */
async function validate(vs: ValueSet, code: string, extra: ParametersParameter[] = [], others: ValueSet[] = []) {
  const res = await post('$validate-code', [
    ...txResources(...CODE_SYSTEMS, vs, ...others), { name: 'url', valueUri: VS }, { name: 'system', valueUri: CS }, { name: 'code', valueCode: code }, ...extra,
  ]).expect(200);
  const body = res.body as Parameters;
  return { result: value(body, 'result'), version: value(body, 'version'), message: value(body, 'message') as string | undefined, body };
}

describe('an include without a version, in a compose with a lockedDate', () => {
  it('expands with the version in force on the lockedDate, not the latest', async () => {
    const locked = await expand(valueSet([{ system: CS }], '2021-01-01'));
    expect(locked.codes).toEqual(['a', 'b']);
    expect(locked.used).toEqual([`${CS}|1`]);
    const open = await expand(valueSet([{ system: CS }]));
    expect(open.used).toEqual([`${CS}|2`]);
  });

  it('validates with that version too: a code only the later version has is not in the value set', async () => {
    const vs = valueSet([{ system: CS }], '2021-01-01');
    const a = await validate(vs, 'a');
    expect(a.result).toBe(true);
    expect(a.version).toBe('1');
    const c = await validate(vs, 'c');
    expect(c.result).toBe(false);
    expect((await validate(valueSet([{ system: CS }]), 'c')).result).toBe(true);
  });

  it('reads the lockedDate to the end of its day, month or year (UTC)', async () => {
    for (const [lockedDate, version] of [['2024', '1'], ['2024-12', '1'], ['2024-12-31', '1'], ['2025-01-01', '2'], ['2025-01', '2'], ['2025', '2']]) {
      expect([lockedDate, (await expand(valueSet([{ system: CS }], lockedDate))).used]).toEqual([lockedDate, [`${CS}|${version}`]]);
      expect([lockedDate, (await validate(valueSet([{ system: CS }], lockedDate), 'a')).version]).toEqual([lockedDate, version]);
    }
  });

  it("leaves an include's own version alone, and force-system-version beats both", async () => {
    const pinned = valueSet([{ system: CS, version: '2' }], '2021-01-01');
    expect((await expand(pinned)).used).toEqual([`${CS}|2`]);
    expect((await validate(pinned, 'c')).result).toBe(true);
    const force = [{ name: 'force-system-version', valueCanonical: `${CS}|2` }];
    const locked = valueSet([{ system: CS }], '2021-01-01');
    expect((await expand(locked, force)).used).toEqual([`${CS}|2`]);
    expect((await validate(locked, 'c', force)).result).toBe(true);
  });

  it('comes before system-version, a default for value sets that leave the version open', async () => {
    const defaults = [{ name: 'system-version', valueCanonical: `${CS}|2` }];
    const locked = valueSet([{ system: CS }], '2021-01-01');
    expect((await expand(locked, defaults)).used).toEqual([`${CS}|1`]);
    expect((await validate(locked, 'c', defaults)).result).toBe(false);
    expect((await expand(valueSet([{ system: CS }]), defaults)).used).toEqual([`${CS}|2`]);
  });

  it('makes the value set unusable when no version was in force yet: 404 for $expand, result false for $validate-code', async () => {
    const early = valueSet([{ system: CS }], '2019-06-30');
    const text = `No version of the CodeSystem '${CS}' was in force on '2019-06-30' (the lockedDate of the value set '${VS}|1'), so the value set cannot be used. `
      + 'Versions known (with their date): 1 (2020-01-01), 2 (2025-01-01)';
    const res = await post('$expand', [...txResources(...CODE_SYSTEMS, early), { name: 'url', valueUri: VS }]).expect(404);
    const issue = (res.body as OperationOutcome).issue[0]!;
    expect(issue.code).toBe('not-found');
    expect(issue.details?.text).toBe(text);
    const danish = await post('$expand', [...txResources(...CODE_SYSTEMS, early), { name: 'url', valueUri: VS }], 'da').expect(404);
    expect((danish.body as OperationOutcome).issue[0]!.details?.text)
      .toBe(`Ingen version af kodesystemet '${CS}' var gældende '2019-06-30' (lockedDate i værdisættet '${VS}|1'), så værdisættet kan ikke bruges. `
        + 'Kendte versioner (med deres dato): 1 (2020-01-01), 2 (2025-01-01)');
    const checked = await validate(early, 'a');
    expect(checked.result).toBe(false);
    expect(checked.message).toBe(text);
    expect(params(checked.body, 'x-caused-by-unknown-system').map((p) => p.valueCanonical)).toEqual([CS]);
    // force-system-version decides the version: the lockedDate is not asked
    const force = [{ name: 'force-system-version', valueCanonical: `${CS}|1` }];
    expect((await expand(early, force)).used).toEqual([`${CS}|1`]);
    expect((await validate(early, 'a', force)).result).toBe(true);
  });

  it('reports a code system it has no version of as unknown, as without a lockedDate', async () => {
    const unknown = 'http://example.org/fhir/CodeSystem/nowhere';
    const vs = valueSet([{ system: unknown }], '2021-01-01');
    const res = await post('$expand', [...txResources(vs), { name: 'url', valueUri: VS }]).expect(404);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toBe(`A definition for CodeSystem '${unknown}' could not be found, so the value set cannot be expanded`);
    const checked = await post('$validate-code', [...txResources(vs), { name: 'url', valueUri: VS }, { name: 'system', valueUri: unknown }, { name: 'code', valueCode: 'a' }]).expect(200);
    expect(value(checked.body, 'result')).toBe(false);
    expect(params(checked.body, 'x-caused-by-unknown-system').map((p) => p.valueCanonical)).toEqual([unknown]);
  });

  it('refuses a lockedDate that is not a date (400 vs-invalid)', async () => {
    for (const lockedDate of ['2021-13', '2021-02-30', '2021-01-01T00:00:00Z', 'soon']) {
      for (const operation of ['$expand', '$validate-code'] as const) {
        const res = await post(operation, [
          ...txResources(...CODE_SYSTEMS, valueSet([{ system: CS }], lockedDate)), { name: 'url', valueUri: VS },
          ...(operation === '$validate-code' ? [{ name: 'system', valueUri: CS }, { name: 'code', valueCode: 'a' }] : []),
        ]).expect(400);
        const issue = (res.body as OperationOutcome).issue[0]!;
        expect(issue.details?.coding?.[0]?.code).toBe('vs-invalid');
        expect(issue.expression).toEqual(['ValueSet.compose.lockedDate']);
        expect(issue.details?.text).toBe(`The lockedDate of the value set '${VS}|1' must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not '${lockedDate}'`);
      }
    }
  });
});

it('names a value set given in the request without a url by its id, or as the one given in the request, never by an empty reference', async () => {
  for (const [id, named] of [['mit-vs', "the value set with id 'mit-vs' (it has no url)"], [undefined, 'the value set given in the request']] as const) {
    const res = await post('$expand', [...txResources(...CODE_SYSTEMS), {
      name: 'valueSet', resource: { resourceType: 'ValueSet', ...(id ? { id } : {}), status: 'active', compose: { lockedDate: '2020-13-01', include: [{ system: CS }] } } as ValueSet,
    }]).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toBe(`The lockedDate of ${named} must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not '2020-13-01'`);
  }
});

describe('a valueSet import without a version, in a compose with a lockedDate', () => {
  const inner = (version: string, date: string, code: string): ValueSet => ({
    resourceType: 'ValueSet', url: INNER, version, date, status: 'active', compose: { include: [{ system: CS, version: '2', concept: [{ code }] }] },
  });
  const INNERS = [inner('1', '2020-01-01', 'a'), inner('2', '2025-01-01', 'c')];

  it('imports the value set version in force on the lockedDate, for $expand and $validate-code', async () => {
    const locked = valueSet([{ valueSet: [INNER] }], '2021-01-01');
    const expanded = await expand(locked, [], INNERS);
    expect(expanded.codes).toEqual(['a']);
    expect(expanded.usedValueSets).toEqual([`${INNER}|1`]);
    expect((await validate(locked, 'a', [], INNERS)).result).toBe(true);
    expect((await validate(locked, 'c', [], INNERS)).result).toBe(false);
    const open = valueSet([{ valueSet: [INNER] }]);
    expect((await expand(open, [], INNERS)).codes).toEqual(['c']);
    expect((await validate(open, 'c', [], INNERS)).result).toBe(true);
  });

  it('comes before default-valueset-version, and after the import\'s own version', async () => {
    const defaults = [{ name: 'default-valueset-version', valueCanonical: `${INNER}|2` }];
    expect((await expand(valueSet([{ valueSet: [INNER] }], '2021-01-01'), defaults, INNERS)).codes).toEqual(['a']);
    expect((await validate(valueSet([{ valueSet: [INNER] }], '2021-01-01'), 'c', defaults, INNERS)).result).toBe(false);
    expect((await expand(valueSet([{ valueSet: [`${INNER}|2`] }], '2021-01-01'), [], INNERS)).codes).toEqual(['c']);
  });

  it('makes the value set unusable when no version of the import was in force yet', async () => {
    const early = valueSet([{ valueSet: [INNER] }], '2019');
    const res = await post('$expand', [...txResources(...CODE_SYSTEMS, early, ...INNERS), { name: 'url', valueUri: VS }]).expect(404);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toMatch(new RegExp(`^No version of the ValueSet '${INNER}' was in force on '2019'`));
    const checked = await validate(early, 'a', [], INNERS);
    expect(checked.result).toBe(false);
    expect(checked.message).toMatch(new RegExp(`^No version of the ValueSet '${INNER}' was in force on '2019'`));
  });
});

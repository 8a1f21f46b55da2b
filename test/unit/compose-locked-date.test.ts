import type { CodeSystem, ValueSet, ValueSetCompose } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import { ComposeEvaluator, type ComposeOptions } from '../../src/terminology/compose/evaluator';
import { compileFilter } from '../../src/terminology/compose/filter';
import { versionOnComposeDate } from '../../src/terminology/compose/versions';
import { isFhirDate } from '../../src/terminology/in-force';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';

const CS = 'http://example.org/fhir/CodeSystem/locked';

const cs = (version: string, extra: Partial<CodeSystem> = {}): CodeSystem => ({
  resourceType: 'CodeSystem', url: CS, version, status: 'active', content: 'complete', concept: [{ code: `c${version}` }], ...extra,
});
const vs = (compose: ValueSetCompose): ValueSet => ({ resourceType: 'ValueSet', url: 'http://example.org/fhir/ValueSet/locked', version: '1', status: 'active', compose });

const registryOf = (...resources: TerminologyResource[]) => new TerminologyRegistry([new ResourceSet(resources)]);

/** 1 from 2020-01-01, 2 from 2025-01-01, 3 a draft of 2026, 4 from 2025-06-15 at noon UTC. */
const registry = registryOf(
  cs('1', { date: '2020-01-01' }), cs('2', { date: '2025-01-01' }), cs('3', { date: '2026-01-01', status: 'draft' }), cs('4', { date: '2025-06-15T12:00:00Z' }),
);
const lockedOn = (lockedDate: string | undefined, from = registry) => {
  const locked = versionOnComposeDate(from, 'CodeSystem', CS, vs({ ...(lockedDate ? { lockedDate } : {}), include: [{ system: CS }] }));
  return locked === undefined ? undefined : 'problem' in locked ? locked.problem.text.en : locked.version;
};

describe('the version a compose lockedDate pins (versionOnComposeDate)', () => {
  it.each([
    ['2020-01-01', '1'], ['2024-12-31', '1'], ['2025-01-01', '2'], ['2025-06-14', '2'], ['2025-06-15', '4'], ['2025-05', '2'], ['2025-06', '4'], ['2024', '1'],
  ])('on %s is %s: the last whose date is on or before the end of the lockedDate, at its precision, read in UTC', (lockedDate, version) => {
    expect(lockedOn(lockedDate)).toBe(version);
  });

  it('never takes a draft, nor a supplement of the same url', () => {
    expect(lockedOn('2030')).toBe('4');
    const withSupplement = registryOf(cs('1', { date: '2020-01-01' }), cs('9', { date: '2021-01-01', content: 'supplement', supplements: `${CS}|1` }));
    expect(lockedOn('2022', withSupplement)).toBe('1');
  });

  it('counts a version without a date as in force from the start, a dated one taking over from its date', () => {
    const undated = registryOf(cs('0'), cs('1', { date: '2020-01-01' }));
    expect(lockedOn('1990', undated)).toBe('0');
    expect(lockedOn('2020', undated)).toBe('1');
  });

  it('names the lockedDate and the versions with their dates when none was in force yet', () => {
    expect(lockedOn('2019-12-31')).toBe(`No version of the CodeSystem '${CS}' was in force on '2019-12-31' (the lockedDate of the value set `
      + "'http://example.org/fhir/ValueSet/locked|1'), so the value set cannot be used. Versions known (with their date): 1 (2020-01-01), 2 (2025-01-01), 4 (2025-06-15T12:00:00Z)");
  });

  it('is nothing without a lockedDate, nor for a url without any version (it is unknown, as without a lockedDate)', () => {
    expect(lockedOn(undefined)).toBeUndefined();
    expect(lockedOn('2021', registryOf())).toBeUndefined();
  });

  it('takes a lockedDate as an R4 date only', () => {
    for (const date of ['2021', '2021-02', '2021-02-28', '2024-02-29']) expect([date, isFhirDate(date)]).toEqual([date, true]);
    for (const date of ['2021-13', '2021-02-29', '2021-1-01', '21', '2021-01-01T00:00:00Z', '']) expect([date, isFhirDate(date)]).toEqual([date, false]);
  });
});

describe('the version an include without one gets, by precedence', () => {
  const used = (compose: ValueSetCompose, options: ComposeOptions = {}) =>
    [...new ComposeEvaluator(registry, options).evaluate(vs(compose)).usedCodeSystems.values()];
  const canonical = (version: string) => new Map([[CS, version]]);

  it('force-system-version, then its own version, then the lockedDate, then system-version and check-system-version', () => {
    expect(used({ include: [{ system: CS }] })).toEqual(['4']);
    expect(used({ lockedDate: '2021', include: [{ system: CS }] })).toEqual(['1']);
    expect(used({ lockedDate: '2021', include: [{ system: CS, version: '2' }] })).toEqual(['2']);
    expect(used({ lockedDate: '2021', include: [{ system: CS, version: '2' }] }, { forceSystemVersions: canonical('4') })).toEqual(['4']);
    expect(used({ lockedDate: '2021', include: [{ system: CS }] }, { forceSystemVersions: canonical('2') })).toEqual(['2']);
    expect(used({ lockedDate: '2021', include: [{ system: CS }] }, { systemVersions: canonical('2') })).toEqual(['1']);
    expect(used({ include: [{ system: CS }] }, { systemVersions: canonical('2') })).toEqual(['2']);
  });

  it('a check-system-version is still enforced on the version the lockedDate pins', () => {
    expect(used({ lockedDate: '2021', include: [{ system: CS }] }, { checkSystemVersions: canonical('1') })).toEqual(['1']);
    expect(() => used({ lockedDate: '2021', include: [{ system: CS }] }, { checkSystemVersions: canonical('2') })).toThrow(FhirError);
  });

  it('none in force on the lockedDate is a 404 (not-found), unless force-system-version decides', () => {
    let error: unknown;
    try {
      used({ lockedDate: '2019', include: [{ system: CS }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(404);
    expect((error as FhirError).code).toBe('not-found');
    expect(used({ lockedDate: '2019', include: [{ system: CS }] }, { forceSystemVersions: canonical('1') })).toEqual(['1']);
  });
});

describe("the 'exists' filter's value", () => {
  const provider = registryOf(cs('1', { concept: [{ code: 'top', concept: [{ code: 'leaf' }] }] })).codeSystemProvider(CS, '1')!;

  it('is true or false', () => {
    const leaf = provider.locate('leaf')!;
    expect(compileFilter(provider, { property: 'parent', op: 'exists', value: 'true' })(leaf)).toBe(true);
    expect(compileFilter(provider, { property: 'parent', op: 'exists', value: 'false' })(leaf)).toBe(false);
  });

  it('anything else is refused (400 vs-invalid at the value), not read as false', () => {
    for (const value of ['maybe', 'True', 'yes', ' true']) {
      let error: unknown;
      try {
        compileFilter(provider, { property: 'parent', op: 'exists', value }, 'ValueSet.compose.include[0].filter[2]');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FhirError);
      const e = error as FhirError;
      expect([e.status, e.code, e.options.txIssueType, e.options.expression]).toEqual([400, 'invalid', 'vs-invalid', ['ValueSet.compose.include[0].filter[2].value']]);
      expect(e.message).toBe(`The value for a filter based on property 'parent' must be either 'true' or 'false', not '${value}'`);
    }
  });
});

import type { Bundle, CodeSystem, UsageContext } from 'fhir/r4';
import { canonicalSearchParams } from '../../src/fhir/canonical-search-params';
import { handlingPreference } from '../../src/fhir/prefer-handling';
import { criterion, type SearchParam, type SearchParamType } from '../../src/fhir/search-match';
import { dateRange, instantsMeeting, meets, numberRange, PREFIXES } from '../../src/fhir/search-ranges';
import { searchResources } from '../../src/fhir/search';
import { FhirError } from '../../src/errors/fhir-error';

/** A resource with one element of each kind the matching reads. */
interface Thing {
  resourceType: 'CodeSystem';
  id: string;
  url?: string;
  text?: string;
  values?: unknown[];
}

const param = (type: SearchParamType): SearchParam<Thing> => ({ name: 'p', type, values: (t) => t.values ?? [] });
/** Whether a resource with these values matches `p[:modifier]=value`. */
const matches = (type: SearchParamType, values: unknown[], value: string, modifier?: string): boolean =>
  criterion(param(type), modifier, value)({ resourceType: 'CodeSystem', id: 'x', values }, undefined);

describe('string parameters (FHIR R4: starts with, without case and accents; :exact, :contains)', () => {
  it('matches the start of a value, ignoring case and accents', () => {
    expect(matches('string', ['Genoptræning efter sundhedsloven'], 'genoptr')).toBe(true);
    expect(matches('string', ['Café'], 'cafe')).toBe(true);
    expect(matches('string', ['Genoptræning'], 'træning')).toBe(false);
  });
  it(':exact is the whole value with its case and accents', () => {
    expect(matches('string', ['Café'], 'Café', 'exact')).toBe(true);
    expect(matches('string', ['Café'], 'cafe', 'exact')).toBe(false);
    expect(matches('string', ['Café au lait'], 'Café', 'exact')).toBe(false);
  });
  it(':contains finds the value anywhere', () => {
    expect(matches('string', ['Genoptræning'], 'TRÆN', 'contains')).toBe(true);
    expect(matches('string', ['Genoptræning'], 'sund', 'contains')).toBe(false);
  });
  it('comma-separated values are alternatives; an escaped comma is part of the value', () => {
    expect(matches('string', ['Beta'], 'alpha,beta')).toBe(true);
    expect(matches('string', ['a,b'], 'a\\,b', 'exact')).toBe(true);
    expect(matches('string', ['a'], 'a\\,b', 'exact')).toBe(false);
  });
});

describe('token parameters', () => {
  const coding = { system: 'http://s', code: 'c' };
  it('code, system|code, |code and system|', () => {
    expect(matches('token', [coding], 'c')).toBe(true);
    expect(matches('token', [coding], 'http://s|c')).toBe(true);
    expect(matches('token', [coding], 'http://other|c')).toBe(false);
    expect(matches('token', [coding], '|c')).toBe(false);
    expect(matches('token', ['c'], '|c')).toBe(true);
    expect(matches('token', [coding], 'http://s|')).toBe(true);
  });
  it('reads codes, booleans, Codings, CodeableConcepts and Identifiers', () => {
    expect(matches('token', [false], 'false')).toBe(true);
    expect(matches('token', [{ coding: [{ system: 'urn:iso:std:iso:3166', code: 'DK' }] }], 'urn:iso:std:iso:3166|DK')).toBe(true);
    expect(matches('token', [{ system: 'urn:oid', value: '1.2' }], 'urn:oid|1.2')).toBe(true);
  });
  it(':not is every resource without a matching value (also those without a value)', () => {
    expect(matches('token', ['active'], 'active,draft', 'not')).toBe(false);
    expect(matches('token', ['retired'], 'active,draft', 'not')).toBe(true);
    expect(matches('token', [], 'active', 'not')).toBe(true);
  });
});

describe('uri and reference parameters', () => {
  it('uri: the whole value; :below a value it starts; :above a value that starts the searched one', () => {
    expect(matches('uri', ['http://x.org/fhir/ValueSet/a'], 'http://x.org/fhir/ValueSet/a')).toBe(true);
    expect(matches('uri', ['http://x.org/fhir/ValueSet/a'], 'http://x.org/fhir/ValueSet')).toBe(false);
    expect(matches('uri', ['http://x.org/fhir/ValueSet/a'], 'http://x.org/fhir/', 'below')).toBe(true);
    expect(matches('uri', ['http://x.org/fhir/ValueSet/a'], 'http://y.org/', 'below')).toBe(false);
    expect(matches('uri', ['http://x.org/fhir/ValueSet/a'], 'http://x.org/fhir/ValueSet/a/_history/2', 'above')).toBe(true);
    expect(matches('uri', ['http://x.org/fhir/ValueSet/a'], 'http://x.org/fhir', 'above')).toBe(false);
  });
  it('reference to a canonical: the url finds every version, url|version that one', () => {
    expect(matches('reference', ['http://x.org/cs|2.0'], 'http://x.org/cs')).toBe(true);
    expect(matches('reference', ['http://x.org/cs|2.0'], 'http://x.org/cs|2.0')).toBe(true);
    expect(matches('reference', ['http://x.org/cs|2.0'], 'http://x.org/cs|1.0')).toBe(false);
    expect(matches('reference', ['http://x.org/cs2'], 'http://x.org/cs')).toBe(false);
  });
});

describe('date parameters (the range of each value at its precision, R4 prefixes)', () => {
  it('reads partial dates and dateTimes as ranges, and refuses what is no date', () => {
    expect(dateRange('2026')).toEqual({ low: Date.UTC(2026, 0, 1), high: Date.UTC(2027, 0, 1) });
    expect(dateRange('0050')).toEqual({ low: Date.parse('0050-01-01T00:00:00Z'), high: Date.parse('0051-01-01T00:00:00Z') });
    expect(dateRange('0000')).toBeUndefined();
    expect(dateRange('2026-02')).toEqual({ low: Date.UTC(2026, 1, 1), high: Date.UTC(2026, 2, 1) });
    expect(dateRange('2026-02-28T10:00+01:00')).toEqual({ low: Date.UTC(2026, 1, 28, 9), high: Date.UTC(2026, 1, 28, 9, 1) });
    expect(dateRange('2026-02-28T10:00:00.5Z')).toEqual({ low: Date.UTC(2026, 1, 28, 10, 0, 0, 500), high: Date.UTC(2026, 1, 28, 10, 0, 0, 600) });
    for (const no of ['2026-02-30', '2026-13', '26', '2026-1-1', '2026-02-28T25:00Z']) expect(dateRange(no)).toBeUndefined();
  });
  it('eq: the searched range contains the value; ne: it does not', () => {
    expect(matches('date', ['2026-11-23'], '2026')).toBe(true);
    expect(matches('date', ['2026-11-23'], '2026-11')).toBe(true);
    expect(matches('date', ['2026-11-23'], 'eq2026-10')).toBe(false);
    expect(matches('date', ['2026'], '2026-11')).toBe(false);
    expect(matches('date', ['2026-11-23'], 'ne2026-10')).toBe(true);
    expect(matches('date', ['2026-11-23'], 'ne2026')).toBe(false);
  });
  it('gt, ge, lt, le, sa, eb', () => {
    expect(matches('date', ['2026-11-23'], 'gt2026-11-22')).toBe(true);
    expect(matches('date', ['2026-11-23'], 'gt2026-11-23')).toBe(false);
    expect(matches('date', ['2026-11-23'], 'ge2026-11-23')).toBe(true);
    expect(matches('date', ['2026-11-23'], 'lt2026-11-23')).toBe(false);
    expect(matches('date', ['2026-11-23'], 'le2026-11')).toBe(true);
    expect(matches('date', ['2026-11-23'], 'lt2026-11-24')).toBe(true);
    expect(matches('date', ['2026-11-23T10:00:00Z'], 'sa2026-11-22')).toBe(true);
    expect(matches('date', ['2026-11-23T10:00:00Z'], 'sa2026-11-23')).toBe(false);
    expect(matches('date', ['2026-11-23'], 'eb2026-12')).toBe(true);
    expect(matches('date', ['2026-11-23'], 'eb2026-11')).toBe(false);
  });
  it('ap: near the date (10% of the time between it and now)', () => {
    const year = new Date().getUTCFullYear();
    expect(matches('date', [`${year - 10}-06-01`], `ap${year - 10}-01-01`)).toBe(true);
    expect(matches('date', [`${year - 10}-06-01`], `ap${year - 30}-01-01`)).toBe(false);
  });
  it('a resource without the date matches no prefix', () => {
    expect(matches('date', [], 'ne2026')).toBe(false);
  });
  it('reads a leap second as the second after :59', () => {
    expect(dateRange('2016-12-31T23:59:60Z')).toEqual({ low: Date.UTC(2017, 0, 1), high: Date.UTC(2017, 0, 1, 0, 0, 1) });
    expect(dateRange('2016-12-31T23:59:61Z')).toBeUndefined();
  });
  it('instantsMeeting bounds the millisecond instants exactly as meets judges them, for every prefix', () => {
    const searched = ['2026-12-07T21:00:43', '2026-12-07T21:00', '2026-12-07T21:00:43.001Z', '2026-12-07T21:00:43.5', '2026-12-07'].map((v) => dateRange(v)!);
    for (const search of searched) {
      for (const approximately of [0, 0.4, 250.5]) {
        for (const prefix of PREFIXES) {
          const bounds = instantsMeeting(prefix, search, approximately);
          for (const edge of [search.low, search.high]) {
            for (let t = edge - 300; t <= edge + 300; t++) {
              const inBounds = (bounds.from === undefined || t >= bounds.from) && (bounds.before === undefined || t < bounds.before)
                && !(bounds.outside && t >= bounds.outside.low && t < bounds.outside.high);
              if (inBounds !== meets(prefix, search, { low: t, high: t + 1 }, approximately)) throw new Error(`${prefix} ${approximately} ${new Date(t).toISOString()}`);
            }
          }
        }
      }
    }
  });
  it('refuses a malformed date as 400 with a Danish text', () => {
    const refusal = (() => { try { matches('date', [], 'ge2026-02-30'); } catch (e) { return e; } return undefined; })() as FhirError;
    expect(refusal).toBeInstanceOf(FhirError);
    expect(refusal.status).toBe(400);
    expect(refusal.options.da).toContain('date');
  });
});

describe('quantity parameters', () => {
  const mg = (value: number) => ({ value, system: 'http://unitsofmeasure.org', code: 'mg', unit: 'milligram' });
  it('a number stands for its precision; gt/lt compare with the number itself', () => {
    expect(numberRange('5.4')!.low).toBeCloseTo(5.35, 10);
    expect(numberRange('5.4')!.high).toBeCloseTo(5.45, 10);
    expect(matches('quantity', [mg(5.42)], '5.4')).toBe(true);
    expect(matches('quantity', [mg(5.5)], '5.4')).toBe(false);
    expect(matches('quantity', [mg(5.42)], 'gt5.4')).toBe(true);
    expect(matches('quantity', [mg(5.42)], 'lt5.4')).toBe(false);
    expect(matches('quantity', [mg(100)], 'ap95')).toBe(true);
  });
  it('the system and code, or with no system the code or unit', () => {
    expect(matches('quantity', [mg(5)], '5|http://unitsofmeasure.org|mg')).toBe(true);
    expect(matches('quantity', [mg(5)], '5|http://unitsofmeasure.org|g')).toBe(false);
    expect(matches('quantity', [mg(5)], '5||milligram')).toBe(true);
  });
  it('a Range: what lies between its ends', () => {
    const range = { low: mg(10), high: mg(20) };
    expect(matches('quantity', [range], 'gt15')).toBe(true);
    expect(matches('quantity', [range], 'gt25')).toBe(false);
    expect(matches('quantity', [range], 'eq15')).toBe(false);
  });
});

describe(':missing', () => {
  it('true: no value; false: some value; anything else is refused', () => {
    expect(matches('string', [], 'true', 'missing')).toBe(true);
    expect(matches('string', [undefined, null], 'true', 'missing')).toBe(true);
    expect(matches('string', ['x'], 'false', 'missing')).toBe(true);
    expect(matches('date', ['2026'], 'true', 'missing')).toBe(false);
    expect(() => matches('string', [], 'yes', 'missing')).toThrow(FhirError);
  });
});

describe('the common parameters of canonical resources', () => {
  const byName = (name: string) => canonicalSearchParams<CodeSystem>().find((p) => p.name === name)!;
  const cs = (useContext: UsageContext[]): CodeSystem => ({ resourceType: 'CodeSystem', status: 'active', content: 'complete', useContext });
  const gender: UsageContext = { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'gender' },
    valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/administrative-gender', code: 'female' }] } };
  const age: UsageContext = { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'age' },
    valueRange: { low: { value: 18, unit: 'a' }, high: { value: 65, unit: 'a' } } };
  it('context (the CodeableConcept), context-type (the code) and context-quantity (a Quantity or Range)', () => {
    expect(criterion(byName('context'), undefined, 'http://hl7.org/fhir/administrative-gender|female')(cs([gender, age]), undefined)).toBe(true);
    expect(criterion(byName('context'), undefined, 'male')(cs([gender]), undefined)).toBe(false);
    expect(criterion(byName('context-type'), undefined, 'age')(cs([age]), undefined)).toBe(true);
    expect(criterion(byName('context-quantity'), undefined, 'gt60||a')(cs([age]), undefined)).toBe(true);
    expect(criterion(byName('context-quantity'), undefined, 'gt70')(cs([gender, age]), undefined)).toBe(false);
  });
});

describe('searchResources', () => {
  const things: Thing[] = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ resourceType: 'CodeSystem', id, url: `http://x.org/${id}`, values: [i % 2 === 0 ? 'even' : 'odd', `n${i}`] }));
  const search = (query: Record<string, unknown>, options: { lenient?: boolean; params?: SearchParam<Thing>[] } = {}): Bundle =>
    searchResources(things, options.params ?? [param('token')], query, { type: 'CodeSystem', selfUrl: 'http://s/fhir/CodeSystem?q', baseUrl: 'http://s/fhir', lenient: options.lenient });
  const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!.id);

  it('a repeated parameter is AND, a comma-separated value OR', () => {
    expect(ids(search({ p: 'even,n1' }))).toEqual(['a', 'b', 'c', 'e']);
    expect(ids(search({ p: ['even', 'n2'] }))).toEqual(['c']);
    expect(ids(search({ p: ['even', 'n1'] }))).toEqual([]);
    expect(ids(search({ _id: 'b,d' }))).toEqual(['b', 'd']);
  });

  it('unknown parameters and modifiers are refused, or left out with lenient handling', () => {
    expect(() => search({ nope: 'x' })).toThrow(FhirError);
    expect(() => search({ 'p:contains': 'x' })).toThrow(/not supported/);
    expect(ids(search({ nope: 'x', 'p:contains': 'x', p: 'odd' }, { lenient: true }))).toEqual(['b', 'd']);
  });

  it('a token parameter with its own lookup is matched by it, without listing the values', () => {
    const lookedUp: SearchParam<Thing> = {
      name: 'p', type: 'token',
      values: () => { throw new Error('listed'); },
      hasToken: (t, wanted) => t.id === wanted.code,
    };
    expect(ids(search({ p: 'c,e' }, { params: [lookedUp] }))).toEqual(['c', 'e']);
    expect(ids(search({ 'p:not': 'c,e' }, { params: [lookedUp] }))).toEqual(['a', 'b', 'd']);
  });
});

describe('_sort and _total', () => {
  interface Named { resourceType: 'CodeSystem'; id: string; url: string; name?: string; date?: string; codes?: string[] }
  const named: Named[] = [
    { resourceType: 'CodeSystem', id: 'a', url: 'http://x.org/a', name: 'Beta', date: '2024-05-30', codes: ['k2'] },
    { resourceType: 'CodeSystem', id: 'b', url: 'http://x.org/b', name: 'alfa', date: '2026-01', codes: ['k1', 'k9'] },
    { resourceType: 'CodeSystem', id: 'c', url: 'http://x.org/c', date: '2025-12-31T23:00:00Z' },
    { resourceType: 'CodeSystem', id: 'd', url: 'http://x.org/d', name: 'Ålborg', date: '2024-05-30', codes: ['k5'] },
  ];
  const params: SearchParam<Named>[] = [
    { name: 'name', type: 'string', values: (r) => [r.name] },
    { name: 'date', type: 'date', values: (r) => [r.date] },
    { name: 'code', type: 'token', values: (r) => r.codes ?? [] },
  ];
  const search = (query: Record<string, unknown>, lenient = false): Bundle =>
    searchResources(named, params, query, { type: 'CodeSystem', selfUrl: `http://s/fhir/CodeSystem?${new URLSearchParams(query as Record<string, string>)}`, baseUrl: 'http://s/fhir', lenient });
  const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!.id);

  it('orders by a string without case and accents, a resource without a value last in both directions', () => {
    expect(ids(search({ _sort: 'name' }))).toEqual(['d', 'b', 'a', 'c']); // Ålborg folds to alborg, before alfa
    expect(ids(search({ _sort: '-name' }))).toEqual(['a', 'b', 'd', 'c']);
  });
  it('orders by dates as points in time, ties by the next key, then by url', () => {
    expect(ids(search({ _sort: 'date' }))).toEqual(['a', 'd', 'c', 'b']);
    expect(ids(search({ _sort: 'date,name' }))).toEqual(['d', 'a', 'c', 'b']);
    expect(ids(search({ _sort: 'date,-name' }))).toEqual(['a', 'd', 'c', 'b']);
    expect(ids(search({ _sort: '-date' }))).toEqual(['b', 'c', 'a', 'd']);
  });
  it('by a repeating token: ascending by the lowest value, descending by the highest', () => {
    expect(ids(search({ _sort: 'code' }))).toEqual(['b', 'a', 'd', 'c']);
    expect(ids(search({ _sort: '-code' }))).toEqual(['b', 'd', 'a', 'c']);
  });
  it('pages in that order, and the links keep _sort', () => {
    const page = search({ _sort: '-date', _count: '2', _offset: '2' });
    expect(ids(page)).toEqual(['a', 'd']);
    expect(page.link!.find((l) => l.relation === 'first')!.url).toContain('_sort=-date');
  });
  it('an unknown parameter in _sort is refused, or left out with lenient handling (and then not in the links)', () => {
    expect(() => search({ _sort: 'colour' })).toThrow(/_sort names 'colour'/);
    const lenient = search({ _sort: 'colour' }, true);
    expect(ids(lenient)).toEqual(['a', 'b', 'c', 'd']);
    expect(lenient.link![0]!.url).not.toContain('_sort');
    expect(ids(search({ _sort: 'colour,-name' }, true))).toEqual(['a', 'b', 'd', 'c']);
  });
  it('_total takes none, estimate and accurate (the total is always counted); anything else is refused', () => {
    for (const t of ['none', 'estimate', 'accurate']) expect(search({ _total: t }).total).toBe(4);
    expect(() => search({ _total: 'some' })).toThrow(/_total must be/);
  });
});

describe('Prefer: handling', () => {
  it('strict, lenient, or neither; of two the first counts', () => {
    expect(handlingPreference('handling=lenient')).toBe('lenient');
    expect(handlingPreference('return=minimal, handling=strict')).toBe('strict');
    expect(handlingPreference(['respond-async', 'handling="lenient"'])).toBe('lenient');
    expect(handlingPreference('handling=lenient, handling=strict')).toBe('lenient');
    expect(handlingPreference('return=minimal')).toBeUndefined();
    expect(handlingPreference(undefined)).toBeUndefined();
  });
});

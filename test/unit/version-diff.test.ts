import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { FhirCodeSystemProvider } from '../../src/terminology/providers/fhir-codesystem';
import { diffCodeSystems, diffConceptMaps, diffExpansions } from '../../src/terminology/version-diff';

const STATUS = [{ code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' as const },
  { code: 'replacedBy', uri: 'http://hl7.org/fhir/concept-properties#replacedBy', type: 'code' as const }];

function cs(version: string, concept: CodeSystem['concept']): FhirCodeSystemProvider {
  return new FhirCodeSystemProvider({ resourceType: 'CodeSystem', url: 'http://e.org/cs', version, status: 'active', content: 'complete', property: STATUS, concept }, []);
}

describe('diffCodeSystems', () => {
  it('one entry per change, a code with two changes twice; removed codes keep their replacement', () => {
    const from = cs('1', [
      { code: 'A', display: 'A', concept: [{ code: 'A1', display: 'A1' }, { code: 'A2', display: 'A2' }] },
      { code: 'B', display: 'B' },
      { code: 'OLD', display: 'Old', property: [{ code: 'status', valueCode: 'retired' }, { code: 'replacedBy', valueCode: 'B' }] },
      { code: 'GONE', display: 'Gone', property: [{ code: 'replacedBy', valueCode: 'B' }] },
    ]);
    const to = cs('2', [
      { code: 'A', display: 'A', concept: [{ code: 'A1', display: 'A1', property: [{ code: 'status', valueCode: 'retired' }, { code: 'replacedBy', valueCode: 'A2' }] }] },
      { code: 'B', display: 'B', concept: [{ code: 'A2', display: 'A2 ny' }] },
      { code: 'OLD', display: 'Old' },
      { code: 'NEW', display: 'New' },
    ]);
    const changes = diffCodeSystems(from, to);
    expect(changes.map((c) => `${c.type} ${c.code}`)).toEqual(['added NEW', 'removed GONE', 'retired A1', 'reactivated OLD', 'redisplayed A2', 'moved A2']);
    expect(changes.find((c) => c.type === 'retired')?.replacedBy).toEqual([{ system: 'http://e.org/cs', code: 'A2', display: 'A2 ny' }]);
    expect(changes.find((c) => c.type === 'removed')?.replacedBy?.map((r) => r.code)).toEqual(['B']);
    expect(changes.find((c) => c.type === 'moved')).toMatchObject({ parents: ['B'], previousParents: ['A'] });
    expect(changes.find((c) => c.type === 'redisplayed')).toMatchObject({ display: 'A2 ny', previousDisplay: 'A2' });
    expect(diffCodeSystems(from, from)).toEqual([]);
  });

  it('with a limit, stops at the first change past it: the diff goes no further than that code', () => {
    const from = cs('1', []);
    const to = cs('2', [{ code: 'A' }, { code: 'B' }, { code: 'C' }]);
    const located: string[] = [];
    const locate = from.locate.bind(from);
    from.locate = (code) => (located.push(code), locate(code));
    const refusal = new Error('too many');
    expect(() => diffCodeSystems(from, to, { max: 1, refusal: () => refusal })).toThrow(refusal);
    expect(located).toEqual(['A', 'B']);
    expect(diffCodeSystems(cs('1', []), to, { max: 3, refusal: () => refusal }).map((c) => c.code)).toEqual(['A', 'B', 'C']);
  });
});

describe('diffExpansions', () => {
  const vs = (contains: NonNullable<ValueSet['expansion']>['contains']): ValueSet =>
    ({ resourceType: 'ValueSet', status: 'active', expansion: { timestamp: '2026-01-01', contains } });
  it('added, removed, retired (inactive now) and re-displayed, nested codes included', () => {
    const changes = diffExpansions(
      vs([{ system: 's', code: 'a', display: 'A' }, { system: 's', code: 'b', display: 'B', contains: [{ system: 's', code: 'c' }] }]),
      vs([{ system: 's', code: 'a', display: 'A!' }, { system: 's', code: 'b', display: 'B', inactive: true }, { system: 's', code: 'd' }]),
    );
    expect(changes.map((c) => `${c.type} ${c.code}`)).toEqual(['added d', 'removed c', 'retired b', 'redisplayed a']);
  });
});

describe('diffConceptMaps', () => {
  const map = (elements: { code: string; targets: [string, string][] }[]): ConceptMap => ({
    resourceType: 'ConceptMap', status: 'active',
    group: [{ source: 'src', target: 'tgt', element: elements.map((e) => ({ code: e.code, target: e.targets.map(([code, equivalence]) => ({ code, equivalence: equivalence as 'equivalent' })) })) }],
  });
  it('re-mapped when the targets or their equivalence change, not when only their order does', () => {
    const changes = diffConceptMaps(
      map([{ code: 'x', targets: [['1', 'equivalent'], ['2', 'inexact']] }, { code: 'y', targets: [['1', 'equivalent']] }, { code: 'z', targets: [['3', 'inexact']] }]),
      map([{ code: 'x', targets: [['2', 'inexact'], ['1', 'equivalent']] }, { code: 'y', targets: [['1', 'inexact']] }, { code: 'w', targets: [['4', 'inexact']] }]),
    );
    expect(changes.map((c) => `${c.type} ${c.code}`)).toEqual(['added w', 'removed z', 'remapped y']);
  });
});

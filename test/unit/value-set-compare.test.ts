import type { CodeSystem, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { ValueSetComparer } from '../../src/terminology/value-set-compare';

const CS = 'http://example.org/fhir/CodeSystem/tree';

/** root ─ a ─ a1, a2; root ─ b ─ b1 (a strict tree), and the same with b1 also under a (two parents). */
const tree = (b1UnderA: boolean): CodeSystem => ({
  resourceType: 'CodeSystem', url: CS, version: '1', status: 'active', content: 'complete', caseSensitive: true,
  concept: [{
    code: 'root',
    concept: [
      { code: 'a', concept: [{ code: 'a1' }, { code: 'a2' }, ...(b1UnderA ? [{ code: 'b1' }] : [])] },
      { code: 'b', concept: [{ code: 'b1' }] },
    ],
  }],
});

const vs = (name: string, ...include: ValueSetComposeInclude[]): ValueSet =>
  ({ resourceType: 'ValueSet', url: `http://example.org/fhir/ValueSet/${name}`, status: 'active', compose: { include } });
const isA = (code: string): ValueSetComposeInclude => ({ system: CS, filter: [{ property: 'concept', op: 'is-a', value: code }] });
const codes = (...list: string[]): ValueSetComposeInclude => ({ system: CS, concept: list.map((code) => ({ code })) });

function comparer(cs: CodeSystem): ValueSetComparer {
  return new ValueSetComparer(new TerminologyRegistry([new ResourceSet([cs])]), { maxExpansionSize: 1000 });
}

describe('ValueSetComparer', () => {
  it('settles is-a filters by subsumption, without expanding', () => {
    const c = comparer(tree(false));
    expect(c.compare(vs('root', isA('root')), vs('a', isA('a')))).toMatchObject({ result: 'superset', performedExpansion: false });
    expect(c.compare(vs('a', isA('a')), vs('root', isA('root')))).toMatchObject({ result: 'subset', performedExpansion: false });
    expect(c.compare(vs('a', isA('a')), vs('b', isA('b')))).toMatchObject({ result: 'disjoint', performedExpansion: false });
  });

  it('expands unrelated is-a filters when a code has two parents, and finds the overlap', () => {
    const outcome = comparer(tree(true)).compare(vs('a', isA('a')), vs('b', isA('b')));
    expect(outcome).toMatchObject({ result: 'overlapping', performedExpansion: true, common: ['b1'], extra: ['b'] });
    expect(outcome.missing.sort()).toEqual(['a', 'a1', 'a2']);
  });

  it('compares enumerations as code lists, and a filter against an enumeration by expanding', () => {
    const c = comparer(tree(false));
    expect(c.compare(vs('x', codes('a1', 'a2')), vs('y', codes('a2', 'a1')))).toMatchObject({ result: 'same', common: ['a1', 'a2'] });
    expect(c.compare(vs('x', isA('a')), vs('y', codes('a', 'a1', 'a2')))).toMatchObject({ result: 'same', performedExpansion: true });
    expect(c.compare(vs('x', codes('a1')), vs('y', codes('b1')))).toMatchObject({ result: 'disjoint', missing: ['a1'], extra: ['b1'] });
  });

  it('expands when there are excludes, and answers empty when both sides have no codes', () => {
    const c = comparer(tree(false));
    const allButB: ValueSet = { ...vs('x', { system: CS }), compose: { include: [{ system: CS }], exclude: [isA('b')] } };
    expect(c.compare(allButB, vs('y', codes('root', 'a', 'a1', 'a2')))).toMatchObject({ result: 'same', performedExpansion: true });
    const none = { ...isA('a'), filter: [...isA('a').filter!, { property: 'concept', op: 'regex' as const, value: 'z.*' }] };
    // the same single filter on both sides is the same set without expanding, whatever it holds
    expect(c.compare(vs('x', none), vs('y', none))).toMatchObject({ result: 'same', performedExpansion: false });
    expect(c.compare(vs('x', none), vs('y', none, none))).toMatchObject({ result: 'empty', performedExpansion: true });
    expect(c.compare(vs('x', none), vs('y', codes('zz')))).toMatchObject({ result: 'empty', performedExpansion: true });
  });

  it('compares code lists by the codes the value sets include: as the code system has them, without codes it lacks', () => {
    const CI = 'http://example.org/fhir/CodeSystem/ci';
    const ci: CodeSystem = { resourceType: 'CodeSystem', url: CI, status: 'active', content: 'complete', caseSensitive: false, concept: [{ code: 'A' }, { code: 'B' }] };
    const c = comparer(ci);
    const list = (name: string, ...list: string[]) => vs(name, { system: CI, concept: list.map((code) => ({ code })) });
    // the code system is not case sensitive: 'a' is its code 'A', as $expand lists it
    expect(c.compare(list('x', 'a'), list('y', 'A'))).toMatchObject({ result: 'same', performedExpansion: false, missing: [], extra: [], common: ['A'] });
    expect(c.compare(list('x', 'a', 'b'), list('y', 'A'))).toMatchObject({ result: 'superset', missing: ['B'], common: ['A'] });
    // a code the code system does not have is in neither value set
    expect(c.compare(list('x', 'A', 'ZZZ'), list('y', 'A'))).toMatchObject({ result: 'same', missing: [] });
    expect(c.compare(list('x', 'ZZZ'), list('y', 'YYY'))).toMatchObject({ result: 'empty' });
    // nor does a system only one side lists codes of count, when it has none of them
    expect(c.compare(vs('x', codes('a1'), { system: CI, concept: [{ code: 'ZZZ' }] }), vs('y', codes('a1')))).toMatchObject({ result: 'same' });
    const both = comparer(tree(false));
    expect(both.compare(vs('x', codes('a1', 'zz')), vs('y', codes('a1')))).toMatchObject({ result: 'same', missing: [] });
    // a case-sensitive code system's 'A1' is not its 'a1'
    expect(both.compare(vs('x', codes('A1')), vs('y', codes('a1')))).toMatchObject({ result: 'disjoint', extra: ['a1'] });
  });
});

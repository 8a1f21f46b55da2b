import type { CodeSystemConcept } from 'fhir/r4';
import { CONCEPTS, duplicateCodes, duplicateCodesOf, duplicateCodeText, walkConcepts } from '../../src/terminology/concept-walk';

/** The walk over a code system's concepts, nested ones included, and the codes it defines twice (csd-1). */

const concepts: CodeSystemConcept[] = [
  { code: 'A', concept: [{ code: 'B' }, { code: 'A' }] },
  { code: 'C' },
  { code: 'B', concept: [{ code: 'C' }] },
];

describe('walkConcepts', () => {
  it('visits a parent before its children, each with its path, and stops when a visit says so', () => {
    const seen: string[] = [];
    expect(walkConcepts(concepts, CONCEPTS, (c, at) => { seen.push(`${c.code} ${at()}`); })).toBe(true);
    expect(seen).toEqual([
      'A CodeSystem.concept[0]', 'B CodeSystem.concept[0].concept[0]', 'A CodeSystem.concept[0].concept[1]',
      'C CodeSystem.concept[1]', 'B CodeSystem.concept[2]', 'C CodeSystem.concept[2].concept[0]',
    ]);
    const codes: string[] = [];
    expect(walkConcepts(concepts, CONCEPTS, (c) => (codes.push(c.code), codes.length < 3))).toBe(false);
    expect(codes).toEqual(['A', 'B', 'A']);
  });
});

describe('duplicateCodes', () => {
  it('names every repeated definition with where the code was first defined, or the first `limit` of them', () => {
    const all = duplicateCodes(concepts);
    expect(all.map((d) => [d.code, d.first(), d.at()])).toEqual([
      ['A', 'CodeSystem.concept[0]', 'CodeSystem.concept[0].concept[1]'],
      ['B', 'CodeSystem.concept[0].concept[0]', 'CodeSystem.concept[2]'],
      ['C', 'CodeSystem.concept[1]', 'CodeSystem.concept[2].concept[0]'],
    ]);
    expect(duplicateCodes(concepts, 1).map((d) => d.code)).toEqual(['A']);
    expect(duplicateCodes([{ code: 'X' }, { code: 'Y' }])).toEqual([]);
    // a million repeats of one code: the first is found without going through the rest
    const many = Array.from({ length: 1_000_000 }, () => ({ code: 'R' }));
    let visited = 0;
    const counted = new Proxy(many, { get: (t, k) => (typeof k === 'string' && /^\d+$/.test(k) && visited++, Reflect.get(t, k)) });
    expect(duplicateCodes(counted, 1)).toHaveLength(1);
    expect(visited).toBe(2);
  });

  it('in a code system that is not case sensitive, finds codes differing only in case as one code defined twice', () => {
    const cases = [{ code: 'abc' }, { code: 'x', concept: [{ code: 'ABC' }] }, { code: 'Abc' }];
    expect(duplicateCodesOf({ caseSensitive: false, concept: cases }).map((d) => [d.code, d.firstCode, d.first(), d.at()])).toEqual([
      ['ABC', 'abc', 'CodeSystem.concept[0]', 'CodeSystem.concept[1].concept[0]'],
      ['Abc', 'abc', 'CodeSystem.concept[0]', 'CodeSystem.concept[2]'],
    ]);
    expect(duplicateCodeText(duplicateCodesOf({ caseSensitive: false, concept: cases })[0]!).en)
      .toBe("the codes 'abc' and 'ABC' are one code defined twice (CodeSystem.concept[0] and CodeSystem.concept[1].concept[0]) in a code system that is not case sensitive; a code system's codes are unique");
    // case sensitive, or not saying: three codes
    expect(duplicateCodesOf({ caseSensitive: true, concept: cases })).toEqual([]);
    expect(duplicateCodesOf({ concept: cases })).toEqual([]);
  });
});


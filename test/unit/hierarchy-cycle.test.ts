import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import { hierarchyCycles, hierarchyCycleText } from '../../src/terminology/hierarchy-cycle';
import { FhirCodeSystemProvider } from '../../src/terminology/providers/fhir-codesystem';
import { publishedCatalogs } from '../support/catalogs';
import { atScale } from '../support/scale';

/** The cycles of a code system's hierarchy, found as the code-system provider links the concepts. */

const codeSystem = (concept: CodeSystemConcept[], property: CodeSystem['property'] = []): CodeSystem =>
  ({ resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', property, concept });
const withParents = (code: string, ...parents: string[]): CodeSystemConcept => ({ code, property: parents.map((valueCode) => ({ code: 'parent', valueCode })) });

describe('hierarchyCycles', () => {
  it('finds a cycle through parent properties, from the concept defined first, each code followed by its parent', () => {
    const [cycle, ...more] = hierarchyCycles(codeSystem([withParents('A', 'C'), withParents('B', 'A'), withParents('C', 'B')]));
    expect(more).toEqual([]);
    expect(cycle!.codes).toEqual(['A', 'C', 'B', 'A']);
    expect(cycle!.at()).toBe('CodeSystem.concept[0]');
  });

  it('takes the parent and child properties by their standard URI, as the provider does, else by their usual codes', () => {
    const property = [{ code: 'up', uri: 'http://hl7.org/fhir/concept-properties#parent', type: 'code' as const }];
    const byUri = codeSystem([{ code: 'A', property: [{ code: 'up', valueCode: 'B' }] }, { code: 'B', property: [{ code: 'up', valueCode: 'A' }] }], property);
    expect(hierarchyCycles(byUri).map((c) => c.codes)).toEqual([['A', 'B', 'A']]);
    // 'parent' is then not the parent property
    expect(hierarchyCycles(codeSystem([withParents('A', 'B'), withParents('B', 'A')], property))).toEqual([]);
    const children = codeSystem([{ code: 'A', property: [{ code: 'child', valueCode: 'B' }] }, { code: 'B', concept: [{ code: 'A2' }], property: [{ code: 'child', valueCode: 'A' }] }]);
    expect(hierarchyCycles(children).map((c) => c.codes)).toEqual([['A', 'B', 'A']]);
  });

  it('names where a nested concept is defined', () => {
    const cs = codeSystem([{ code: 'root', concept: [{ code: 'x', concept: [withParents('y'), { code: 'z', property: [{ code: 'child', valueCode: 'x' }] }] }] }]);
    const [cycle] = hierarchyCycles(cs);
    expect(cycle!.codes).toEqual(['x', 'z', 'x']);
    expect(cycle!.at()).toBe('CodeSystem.concept[0].concept[0]');
  });

  it('finds none in a poly-hierarchy, links stated twice or to unknown codes, or a concept naming itself as its parent', () => {
    const cs = codeSystem([
      { code: 'top', concept: [{ code: 'l' }, { code: 'r' }] },
      withParents('bottom', 'l', 'r', 'l', 'bottom', 'nowhere'),
      withParents('side', 'top'),
      { code: 'l2', property: [{ code: 'child', valueCode: 'bottom' }, { code: 'parent', valueCode: 'side' }] },
    ]);
    expect(hierarchyCycles(cs)).toEqual([]);
    expect(hierarchyCycles(codeSystem([]))).toEqual([]);
    expect(hierarchyCycles({ resourceType: 'CodeSystem', status: 'active', content: 'complete' })).toEqual([]);
  });

  it('names cycles that share no concept, or the first `limit`', () => {
    const cs = codeSystem([withParents('a', 'b'), withParents('b', 'a', 'c'), withParents('c', 'a'), withParents('d', 'e'), withParents('e', 'd')]);
    expect(hierarchyCycles(cs).map((c) => c.codes)).toEqual([['a', 'b', 'a'], ['d', 'e', 'd']]);
    expect(hierarchyCycles(cs, 1).map((c) => c.codes)).toEqual([['a', 'b', 'a']]);
  });

  it('says there is a cycle exactly when the provider has two concepts that subsume each other', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let round = 0; round < 300; round++) {
      const n = 2 + random(7);
      const concepts: CodeSystemConcept[] = Array.from({ length: n }, (_, i) => ({ code: `c${i}`, property: [] }));
      const top: CodeSystemConcept[] = [];
      for (const c of concepts) {
        const roll = random(4);
        const other = concepts[random(n)]!;
        if (roll === 0 && other !== c && !top.includes(c)) (other.concept ??= []).push(c);
        else top.push(c);
      }
      // each concept once: nested under one other at most, none nested under its own nesting
      const nestedTwice = (c: CodeSystemConcept, seen: Set<CodeSystemConcept>): boolean => seen.has(c) || (c.concept ?? []).some((d) => nestedTwice(d, new Set([...seen, c])));
      if (concepts.some((c) => nestedTwice(c, new Set())) || concepts.filter((c) => !top.includes(c)).length + top.length !== n) continue;
      for (let links = random(n + 1); links > 0; links--) concepts[random(n)]!.property!.push({ code: random(2) ? 'parent' : 'child', valueCode: `c${random(n)}` });
      const cs = codeSystem(top);
      const provider = new FhirCodeSystemProvider(cs);
      const all = [...provider.all()];
      const mutual = all.some((a) => all.some((b) => a !== b && provider.subsumes(a, b) && provider.subsumes(b, a)));
      expect(hierarchyCycles(cs).length > 0).toBe(mutual);
    }
  });

  // as deep as the concepts are many: a walk that recursed would overflow the stack (at ~10,000 frames), one that went
  // back over the path for each link would not end in the suite's time
  const n = atScale(30_000, 100_000);
  it(`goes through ${n.toLocaleString('en')} concepts at once, however they are linked: a ring, a fan back to the top, a wide tree`, () => {
    const chain = codeSystem(Array.from({ length: n }, (_, i) => withParents(`c${i}`, `c${(i + 1) % n}`)));
    const [ring] = hierarchyCycles(chain);
    expect(ring!.codes).toHaveLength(n + 1);
    // a path down from c0 with every concept also below c0: each link back to c0 would close a cycle through the whole path
    const fan = codeSystem(Array.from({ length: n }, (_, i) => withParents(`c${i}`, ...(i + 1 < n ? [`c${i + 1}`] : []), 'c0')));
    expect(hierarchyCycles(fan)).toHaveLength(1);
    const nested: CodeSystemConcept[] = Array.from({ length: n }, (_, i) => ({ code: `n${i}`, concept: Array.from({ length: 3 }, (__, j) => ({ code: `n${i}-${j}` })) }));
    expect(hierarchyCycles(codeSystem(nested))).toEqual([]);
  });
});

describe('hierarchyCycleText', () => {
  it('lists the codes of a cycle, a long one shortened', () => {
    expect(hierarchyCycleText({ codes: ['a', 'b', 'a'], at: () => '' }).en).toBe("is a cycle: 'a' -> 'b' -> 'a' (each code's parent after it); a concept cannot be below itself");
    const long = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const text = hierarchyCycleText({ codes: [...long, 'c0'], at: () => '' });
    expect(text.en).toContain("'c0' -> 'c1' -> 'c2' -> 'c3' -> 'c4' -> 'c5' -> 'c6' -> 'c7' -> 'c8' -> … (21 more) -> 'c0' (");
    expect(text.da).toContain("'c8' -> … (21 flere) -> 'c0' (");
  });
});

describe('the published catalogs', () => {
  it('have no cycle in a hierarchy', () => {
    const codeSystems = publishedCatalogs().resources.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem');
    expect(codeSystems.length).toBeGreaterThan(5);
    expect(codeSystems.filter((cs) => hierarchyCycles(cs).length > 0).map((cs) => cs.url)).toEqual([]);
  });
});

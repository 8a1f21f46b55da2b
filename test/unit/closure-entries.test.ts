import type { CodeSystem, Coding } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import type { ClosureConcept, ClosureEntry } from '../../src/store/closure-store';
import { closureEntries, locateClosureConcepts } from '../../src/terminology/closure-entries';
import { FhirCodeSystemProvider } from '../../src/terminology/providers/fhir-codesystem';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';

const ANIMALS = 'http://example.org/animals';
const PLANTS = 'http://example.org/plants';

/**
 * animal ── mammal ── dog ── puppy
 *        │         └─ cat
 *        └─ bird ── owl
 * fish
 */
const animals: CodeSystem = {
  resourceType: 'CodeSystem', url: ANIMALS, version: '1', status: 'active', content: 'complete', caseSensitive: true, hierarchyMeaning: 'is-a',
  concept: [
    {
      code: 'animal', display: 'Animal', concept: [
        { code: 'mammal', concept: [{ code: 'dog', concept: [{ code: 'puppy' }] }, { code: 'cat' }] },
        { code: 'bird', concept: [{ code: 'owl' }] },
      ],
    },
    { code: 'fish' },
  ],
};
/** Same codes, another system: never related to the animals. */
const plants: CodeSystem = {
  resourceType: 'CodeSystem', url: PLANTS, version: '1', status: 'active', content: 'complete', caseSensitive: true,
  concept: [{ code: 'animal', concept: [{ code: 'dog' }] }],
};

const registry = new TerminologyRegistry([new ResourceSet([animals, plants])]);
const a = (code: string): ClosureConcept => ({ system: ANIMALS, code });
const pairs = (entries: ClosureEntry[]) => entries.map((e) => `${e.source.code}<${e.target.code}`).sort();

/** Every (narrower, broader) pair of a set of animal codes, from the tree drawn above. */
const PARENT: Record<string, string | undefined> = { mammal: 'animal', dog: 'mammal', puppy: 'dog', cat: 'mammal', bird: 'animal', owl: 'bird' };
function expectedPairs(codes: string[]): string[] {
  const out: string[] = [];
  for (const narrow of codes) {
    for (let up = PARENT[narrow]; up; up = PARENT[up]) if (codes.includes(up)) out.push(`${narrow}<${up}`);
  }
  return out.sort();
}

describe('closureEntries', () => {
  it('relates new concepts to those in the table and to each other, transitively, narrower to broader', () => {
    expect(pairs(closureEntries(registry, [], [a('puppy'), a('animal'), a('cat'), a('fish')]))).toEqual(['cat<animal', 'puppy<animal']);
    expect(pairs(closureEntries(registry, [a('puppy'), a('animal')], [a('mammal')]))).toEqual(['mammal<animal', 'puppy<mammal']);
  });

  it('adding concepts one call at a time gives the same relations as adding them all at once', () => {
    const order = ['owl', 'fish', 'puppy', 'animal', 'dog', 'bird', 'cat', 'mammal'];
    const table: ClosureConcept[] = [];
    const stepwise: ClosureEntry[] = [];
    for (const code of order) {
      stepwise.push(...closureEntries(registry, table, [a(code)]));
      table.push(a(code));
    }
    expect(pairs(stepwise)).toEqual(expectedPairs(order));
    expect(pairs(closureEntries(registry, [], order.map(a)))).toEqual(expectedPairs(order));
  });

  it('does not relate codes of different systems, nor a concept to itself', () => {
    const entries = closureEntries(registry, [a('animal'), { system: PLANTS, code: 'animal' }], [{ system: PLANTS, code: 'dog' }, a('animal')]);
    expect(entries).toEqual([{ source: { system: PLANTS, code: 'dog' }, target: { system: PLANTS, code: 'animal' } }]);
  });

  it('keeps concepts of a code system no longer known out of any relation', () => {
    expect(closureEntries(registry, [{ system: 'http://example.org/gone', code: 'x' }], [{ system: 'http://example.org/gone', code: 'y' }, a('dog')])).toEqual([]);
  });

  it('asks a code system whose subsumes is its own about the concepts the hierarchy relates to a new one, not about every concept of the table', () => {
    const WIDE = 'http://example.org/wide';
    const leaves = Array.from({ length: 1010 }, (_, i) => ({ code: `leaf-${i}` }));
    const wide: CodeSystem = {
      resourceType: 'CodeSystem', url: WIDE, status: 'active', content: 'complete', hierarchyMeaning: 'is-a', concept: [{ code: 'root', concept: leaves }],
    };
    const wideRegistry = new TerminologyRegistry([new ResourceSet([wide])]);
    (wideRegistry.codeSystemProvider(WIDE) as { subsumesByHierarchy?: boolean }).subsumesByHierarchy = false;
    const w = (code: string): ClosureConcept => ({ system: WIDE, code });
    const asked = jest.spyOn(FhirCodeSystemProvider.prototype, 'subsumes');
    try {
      const entries = closureEntries(wideRegistry, leaves.slice(0, 1000).map((l) => w(l.code)), [...leaves.slice(1000).map((l) => w(l.code)), w('root')]);
      expect(entries).toHaveLength(1010);
      expect(entries.every((e) => e.target.code === 'root')).toBe(true);
      // each leaf is related to the root alone: asked about once each (the way round the hierarchy relates them), not about the 1,000 others
      expect(asked.mock.calls.length).toBe(entries.length);
    } finally {
      asked.mockRestore();
    }
  });

  it("takes the hierarchy's word for a code system whose subsumes is the hierarchy's: a chain's pairs without a walk per pair", () => {
    const CHAIN = 'http://example.org/chain';
    const chain: CodeSystem = {
      resourceType: 'CodeSystem', url: CHAIN, status: 'active', content: 'complete', hierarchyMeaning: 'is-a', property: [{ code: 'parent', type: 'code' }],
      concept: Array.from({ length: 6 }, (_, i) => ({ code: `c${i}`, ...(i > 0 ? { property: [{ code: 'parent', valueCode: `c${i - 1}` }] } : {}) })),
    };
    const chainRegistry = new TerminologyRegistry([new ResourceSet([chain])]);
    const c = (i: number): ClosureConcept => ({ system: CHAIN, code: `c${i}` });
    const asked = jest.spyOn(FhirCodeSystemProvider.prototype, 'subsumes');
    try {
      const entries = closureEntries(chainRegistry, [c(0), c(2), c(4)], [c(5), c(3), c(1)]);
      expect(entries.map((e) => `${e.source.code}<${e.target.code}`).sort()).toEqual(
        // every pair with a new concept (those among c0, c2 and c4 are in the table already)
        ['c1<c0', 'c2<c1', 'c3<c0', 'c3<c1', 'c3<c2', 'c4<c1', 'c4<c3', 'c5<c0', 'c5<c1', 'c5<c2', 'c5<c3', 'c5<c4'].sort());
      expect(asked).not.toHaveBeenCalled();
    } finally {
      asked.mockRestore();
    }
  });

  it('stops with too-costly when the time budget is spent', () => {
    const spent = { tick: () => { throw FhirError.tooCostly('spent'); } };
    expect(() => closureEntries(registry, [a('animal')], [a('dog')], spent as never)).toThrow(/spent/);
  });
});

describe('locateClosureConcepts', () => {
  it('gives the concepts without repeats', () => {
    expect(locateClosureConcepts(registry, [{ system: ANIMALS, code: 'dog' }, { system: ANIMALS, code: 'dog', display: 'x' }, { system: PLANTS, code: 'dog' }]))
      .toEqual([a('dog'), { system: PLANTS, code: 'dog' }]);
  });

  it('refuses the call naming every coding that is not a known concept: 404 for unknown systems and codes, 400 for a coding without a code', () => {
    const codings: Coding[] = [{ system: ANIMALS, code: 'dog' }, { system: 'http://example.org/unknown', code: 'x' }, { system: ANIMALS, code: 'unicorn' },
      { system: ANIMALS, code: 'dog', version: '9' }];
    let error: FhirError | undefined;
    try {
      locateClosureConcepts(registry, codings);
    } catch (e) {
      error = e as FhirError;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect(error).toMatchObject({ status: 404, code: 'not-found', options: { expression: ['concept[1]'], txIssueType: 'not-found' } });
    expect(error!.message).toMatch(/http:\/\/example.org\/unknown/);
    expect(error!.options.extraIssues?.map((i) => [i.code, i.expression?.[0], i.txIssueType])).toEqual([
      ['code-invalid', 'concept[2]', 'invalid-code'], ['not-found', 'concept[3]', 'version-error'],
    ]);
    // the unknown code named with the version it was looked for in
    expect(error!.options.extraIssues?.[0]?.text).toMatchObject({ en: `Unknown code 'unicorn' in the CodeSystem '${ANIMALS}' version '1'` });
    expect(() => locateClosureConcepts(registry, [{ system: ANIMALS }])).toThrow(expect.objectContaining({ status: 400, code: 'invalid' }));
  });
});

import type { CodeSystem } from 'fhir/r4';
import type { Concept } from '../../src/terminology/providers/provider';
import { FhirCodeSystemProvider } from '../../src/terminology/providers/fhir-codesystem';
import { withTimeBudget } from '../../src/terminology/time-budget';
import { FSIII } from '../support/catalogs';
import { fsiiiIndex, readJson } from '../support/files';

const STATUS_URI = 'http://hl7.org/fhir/concept-properties#status';

/**
 * root
 * ├── a
 * │   └── shared           (also under b: two parents)
 * │       └── deep
 * ├── b
 * │   └── shared
 * ├── old                  status retired (local property code for the standard status URI), replacedBy a
 * ├── off                  inactive = true
 * ├── going                deprecated (status)
 * └── group                notSelectable
 * loose                    second root; its parent 'root' is stated by a parent property
 */
const SAMPLE: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://example.org/fhir/CodeSystem/sample',
  version: '2.0.0',
  status: 'active',
  content: 'complete',
  caseSensitive: true,
  property: [
    { code: 'conceptStatus', uri: STATUS_URI, type: 'code' },
    { code: 'inactive', uri: 'http://hl7.org/fhir/concept-properties#inactive', type: 'boolean' },
    { code: 'notSelectable', uri: 'http://hl7.org/fhir/concept-properties#notSelectable', type: 'boolean' },
    { code: 'parent', uri: 'http://hl7.org/fhir/concept-properties#parent', type: 'code' },
    { code: 'replacedBy', type: 'code' },
  ],
  concept: [
    {
      code: 'root', display: 'Root',
      concept: [
        { code: 'a', display: 'A', concept: [{ code: 'shared', display: 'Shared', concept: [{ code: 'deep', display: 'Deep' }] }] },
        { code: 'b', display: 'B', concept: [{ code: 'shared', display: 'Shared' }] },
        { code: 'old', display: 'Old', property: [{ code: 'conceptStatus', valueCode: 'retired' }, { code: 'replacedBy', valueCode: 'a' }] },
        { code: 'off', display: 'Off', property: [{ code: 'inactive', valueBoolean: true }] },
        { code: 'going', display: 'Going', property: [{ code: 'conceptStatus', valueCode: 'deprecated' }] },
        { code: 'group', display: 'Group', property: [{ code: 'notSelectable', valueBoolean: true }] },
      ],
    },
    { code: 'loose', display: 'Loose', property: [{ code: 'parent', valueCode: 'root' }] },
  ],
};

const provider = new FhirCodeSystemProvider(SAMPLE);
const c = (code: string): Concept => {
  const found = provider.locate(code);
  if (!found) throw new Error(`no concept ${code}`);
  return found;
};
const codes = (it: Iterable<Concept>) => [...it].map((x) => x.code).sort();

describe('FhirCodeSystemProvider over a small code system', () => {
  it('knows the url, version and every concept once', () => {
    expect(provider.url).toBe(SAMPLE.url);
    expect(provider.version).toBe('2.0.0');
    expect(provider.size()).toBe(10);
    expect(codes(provider.all())).toEqual(['a', 'b', 'deep', 'going', 'group', 'loose', 'off', 'old', 'root', 'shared']);
  });

  it('locates codes exactly in a case-sensitive code system, and case-insensitively on request', () => {
    expect(c('shared').display).toBe('Shared');
    expect(provider.locate('Shared')).toBeUndefined();
    expect(provider.locate('nope')).toBeUndefined();
    expect(provider.locateIgnoringCase('SHARED')?.code).toBe('shared');
  });

  it('locates regardless of case in a code system that is not case sensitive', () => {
    const insensitive = new FhirCodeSystemProvider({ ...SAMPLE, caseSensitive: false });
    expect(insensitive.locate('ROOT')?.code).toBe('root');
  });

  it('links parents and children from nesting, including a concept with two parents, and from parent properties', () => {
    expect(c('shared').parents.map((p) => p.code).sort()).toEqual(['a', 'b']);
    expect(c('root').children.map((x) => x.code)).toEqual(expect.arrayContaining(['a', 'b', 'old', 'loose']));
    expect(c('loose').parents.map((p) => p.code)).toEqual(['root']);
    expect(provider.roots().map((r) => r.code)).toEqual(['root']);
  });

  it('subsumes: itself, parents and every ancestor, nothing else', () => {
    expect(provider.subsumes(c('root'), c('root'))).toBe(true);
    expect(provider.subsumes(c('a'), c('shared'))).toBe(true);
    expect(provider.subsumes(c('b'), c('deep'))).toBe(true); // through the second parent
    expect(provider.subsumes(c('root'), c('deep'))).toBe(true);
    expect(provider.subsumes(c('root'), c('loose'))).toBe(true);
    expect(provider.subsumes(c('deep'), c('root'))).toBe(false);
    expect(provider.subsumes(c('a'), c('b'))).toBe(false);
    expect(provider.subsumes(c('old'), c('shared'))).toBe(false);
  });

  it('descendants: everything below, each once, never the concept itself', () => {
    const below = [...provider.descendants(c('root'))].map((x) => x.code);
    expect(below.sort()).toEqual(['a', 'b', 'deep', 'going', 'group', 'loose', 'off', 'old', 'shared']);
    expect(codes(provider.descendants(c('b')))).toEqual(['deep', 'shared']);
    expect(codes(provider.descendants(c('deep')))).toEqual([]);
  });

  it('status: from the property bound to the standard status URI, from inactive, else active', () => {
    expect(provider.status(c('old'))).toBe('retired');
    expect(provider.isInactive(c('old'))).toBe(true);
    expect(provider.status(c('off'))).toBe('inactive');
    expect(provider.isInactive(c('off'))).toBe(true);
    expect(provider.status(c('going'))).toBe('deprecated');
    expect(provider.isDeprecated(c('going'))).toBe(true);
    expect(provider.isInactive(c('going'))).toBe(false);
    expect(provider.status(c('a'))).toBe('active');
    expect(provider.isInactive(c('a'))).toBe(false);
    expect(provider.isDeprecated(c('a'))).toBe(false);
  });

  it('deprecated: by the value of the standard deprecated property (a boolean), not by its presence; a dateTime (when) says it is', () => {
    const DEPRECATED_URI = 'http://hl7.org/fhir/concept-properties#deprecated';
    const systemOf = (type: 'boolean' | 'dateTime', concept: CodeSystem['concept']) => new FhirCodeSystemProvider({
      resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/deprecated-${type}`, status: 'active', content: 'complete',
      property: [{ code: 'depr', uri: DEPRECATED_URI, type }], concept,
    });
    const flagged = systemOf('boolean', [{ code: 'yes', property: [{ code: 'depr', valueBoolean: true }] }, { code: 'no', property: [{ code: 'depr', valueBoolean: false }] }]);
    expect(flagged.status(flagged.locate('yes')!)).toBe('deprecated');
    expect(flagged.status(flagged.locate('no')!)).toBe('active');
    expect(flagged.isDeprecated(flagged.locate('no')!)).toBe(false);
    const dated = systemOf('dateTime', [{ code: 'since', property: [{ code: 'depr', valueDateTime: '2024-01-01' }] }]);
    expect(dated.status(dated.locate('since')!)).toBe('deprecated');
  });

  it('abstract: notSelectable concepts only', () => {
    expect(provider.isAbstract(c('group'))).toBe(true);
    expect(provider.isAbstract(c('a'))).toBe(false);
  });

  it('propertyValues returns every value of a property', () => {
    expect(provider.propertyValues(c('old'), 'replacedBy').map((p) => p.valueCode)).toEqual(['a']);
    expect(provider.propertyValues(c('a'), 'replacedBy')).toEqual([]);
  });
});

describe('FhirCodeSystemProvider with supplements', () => {
  const supplement: CodeSystem = {
    resourceType: 'CodeSystem', url: 'http://example.org/fhir/CodeSystem/sample-en', version: '1.0.0', status: 'active',
    content: 'supplement', supplements: `${SAMPLE.url}|2.0.0`, language: 'en',
    property: [{ code: 'note', type: 'string' }],
    concept: [
      { code: 'a', display: 'A in English', property: [{ code: 'note', valueString: 'first' }, { code: 'note', valueString: 'second' }] },
      { code: 'b', property: [{ code: 'conceptStatus', valueCode: 'retired' }] },
      { code: 'not-in-the-code-system', display: 'ignored' },
    ],
  };
  const supplemented = new FhirCodeSystemProvider(SAMPLE, [supplement]);

  it('adds the supplement\'s properties, designations and property definitions', () => {
    const a = supplemented.locate('a')!;
    expect(supplemented.propertyValues(a, 'note').map((p) => p.valueString)).toEqual(['first', 'second']);
    expect(a.designations).toEqual(expect.arrayContaining([expect.objectContaining({ language: 'en', value: 'A in English' })]));
    expect(a.display).toBe('A');
    expect(supplemented.propertyDefinitions.map((d) => d.code)).toContain('note');
  });

  it('takes a status from the supplement', () => {
    expect(supplemented.status(supplemented.locate('b')!)).toBe('retired');
    expect(provider.status(c('b'))).toBe('active');
  });

  it('adds no concepts', () => {
    expect(supplemented.size()).toBe(provider.size());
    expect(supplemented.locate('not-in-the-code-system')).toBeUndefined();
  });
});

describe('FhirCodeSystemProvider over FSIII with the published status supplement', () => {
  const fsiii = readJson<CodeSystem>('kl/CodeSystem-FSIII.json');
  const status = readJson<CodeSystem>('supplements/CodeSystem-fsiii-status.json');
  const p = new FhirCodeSystemProvider(fsiii, [status]);
  const index = fsiiiIndex();

  it('holds all 828 concepts', () => {
    expect(p.url).toBe(FSIII);
    expect(p.size()).toBe(index.nodes.size);
    expect(p.size()).toBe(828);
  });

  it('agrees with the nesting of the file on the descendants and subsumption of every root', () => {
    for (const root of index.roots) {
      const concept = p.locate(root)!;
      expect(new Set([...p.descendants(concept)].map((x) => x.code))).toEqual(index.descendants(root));
      for (const d of index.descendants(root)) expect(p.subsumes(concept, p.locate(d)!)).toBe(true);
    }
  });

  it('gives the status the supplement states, and active elsewhere', () => {
    const stated = new Map(status.concept!.map((x) => [x.code, x.property!.find((q) => q.code === 'status')!.valueCode]));
    for (const [code, value] of stated) expect(p.status(p.locate(code)!)).toBe(value);
    const unmarked = [...index.nodes.keys()].filter((code) => !stated.has(code));
    for (const code of unmarked) expect(p.status(p.locate(code)!)).toBe('active');
  });
});

describe('FhirCodeSystemProvider over a hierarchy given by parent and child properties', () => {
  const N = 20_000;
  /** One concept below N others, each named as its parent twice (property) and as having it as a child once. */
  const manyParents = (): CodeSystem => ({
    resourceType: 'CodeSystem', url: 'http://example.org/fhir/CodeSystem/many-parents', status: 'active', content: 'complete',
    property: [{ code: 'parent', type: 'code' }, { code: 'child', type: 'code' }],
    concept: [
      { code: 'x', property: Array.from({ length: 2 * N }, (_, i) => ({ code: 'parent', valueCode: `p${i % N}` })) },
      ...Array.from({ length: N }, (_, i) => ({ code: `p${i}`, property: [{ code: 'child', valueCode: 'x' }] })),
    ],
  });

  it('links a concept below each of its many parents once, however often it is said', () => {
    const provider = new FhirCodeSystemProvider(manyParents());
    const x = provider.locate('x')!;
    expect(x.parents).toHaveLength(N);
    expect(new Set(x.parents.map((p) => p.code)).size).toBe(N);
    expect(provider.locate('p7')!.children.map((c) => c.code)).toEqual(['x']);
    expect(provider.subsumes(provider.locate('p7')!, x)).toBe(true);
  });

  it('is indexed within the time budget of the request that sent it (a tx-resource)', () => {
    expect(() => withTimeBudget(1, () => {
      const until = Date.now() + 5;
      while (Date.now() <= until) { /* the budget is spent before the code system is indexed */ }
      return new FhirCodeSystemProvider(manyParents());
    })).toThrow(/time budget/);
  });
});

import type { CodeSystem, ValueSet, ValueSetCompose } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import { ComposeEvaluator } from '../../src/terminology/compose/evaluator';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';

const CS = 'http://example.org/fhir/CodeSystem/animals';
const OTHER = 'http://example.org/fhir/CodeSystem/colours';

/**
 * animal
 * ├── mammal
 * │   ├── dog
 * │   │   └── puppy
 * │   └── cat
 * └── bird
 *     └── owl
 * fish
 */
const ANIMALS: CodeSystem = {
  resourceType: 'CodeSystem', url: CS, version: '1.0.0', status: 'active', content: 'complete', caseSensitive: true,
  concept: [
    {
      code: 'animal', display: 'Animal',
      concept: [
        { code: 'mammal', display: 'Mammal', concept: [{ code: 'dog', display: 'Dog', concept: [{ code: 'puppy', display: 'Puppy' }] }, { code: 'cat', display: 'Cat' }] },
        { code: 'bird', display: 'Bird', concept: [{ code: 'owl', display: 'Owl' }] },
      ],
    },
    { code: 'fish', display: 'Fish' },
  ],
};

const COLOURS: CodeSystem = {
  resourceType: 'CodeSystem', url: OTHER, version: '1.0.0', status: 'active', content: 'complete', caseSensitive: true,
  concept: [{ code: 'red', display: 'Red' }, { code: 'blue', display: 'Blue' }],
};

const vs = (name: string, compose: ValueSetCompose): ValueSet => ({
  resourceType: 'ValueSet', url: `http://example.org/fhir/ValueSet/${name}`, version: '1.0.0', status: 'active', compose,
});

const MAMMALS = vs('mammals', { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }] });
const PETS = vs('pets', { include: [{ system: CS, concept: [{ code: 'dog' }, { code: 'cat' }, { code: 'fish' }] }] });
const CYCLE_A = vs('cycle-a', { include: [{ valueSet: ['http://example.org/fhir/ValueSet/cycle-b'] }] });
const CYCLE_B = vs('cycle-b', { include: [{ valueSet: ['http://example.org/fhir/ValueSet/cycle-a'] }] });

const registry = new TerminologyRegistry([new ResourceSet([ANIMALS, COLOURS, MAMMALS, PETS, CYCLE_A, CYCLE_B] as TerminologyResource[])]);

const evaluate = (compose: ValueSetCompose) => new ComposeEvaluator(registry).evaluate(vs('test', compose)).entries;
const codes = (compose: ValueSetCompose) => evaluate(compose).map((e) => e.code);
const sorted = (compose: ValueSetCompose) => codes(compose).sort();

function fhirError(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    return e as FhirError;
  }
  throw new Error('no error');
}

describe('ComposeEvaluator', () => {
  it('is-a includes the concept itself and everything below it', () => {
    expect(sorted({ include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }] })).toEqual(['cat', 'dog', 'mammal', 'puppy']);
  });

  it('descendent-of leaves the concept itself out', () => {
    expect(sorted({ include: [{ system: CS, filter: [{ property: 'concept', op: 'descendent-of', value: 'mammal' }] }] })).toEqual(['cat', 'dog', 'puppy']);
    expect(sorted({ include: [{ system: CS, filter: [{ property: 'concept', op: 'descendent-of', value: 'puppy' }] }] })).toEqual([]);
  });

  it('a whole code system when the include has neither concepts nor filters', () => {
    expect(sorted({ include: [{ system: OTHER }] })).toEqual(['blue', 'red']);
  });

  it('a concept list gives those codes, in the order listed, with the system and version of the code system', () => {
    const entries = evaluate({ include: [{ system: CS, concept: [{ code: 'owl' }, { code: 'fish' }, { code: 'dog' }] }] });
    expect(entries.map((e) => e.code)).toEqual(['owl', 'fish', 'dog']);
    expect(entries.every((e) => e.system === CS && e.version === '1.0.0')).toBe(true);
    expect(entries.map((e) => e.display)).toEqual(['Owl', 'Fish', 'Dog']);
  });

  it('several filters in one include must all hold', () => {
    expect(sorted({
      include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'animal' }, { property: 'concept', op: 'descendent-of', value: 'mammal' }] }],
    })).toEqual(['cat', 'dog', 'puppy']);
  });

  it('includes are unioned, each code once', () => {
    const list = codes({
      include: [
        { system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'bird' }] },
        { system: CS, concept: [{ code: 'owl' }, { code: 'fish' }] },
        { system: OTHER, concept: [{ code: 'red' }] },
      ],
    });
    expect(list.sort()).toEqual(['bird', 'fish', 'owl', 'red']);
  });

  it('evaluates an include (or exclude) given again as given once: the same codes, still a tree, its code system read once', () => {
    const whole = { system: CS };
    const once = new ComposeEvaluator(registry).evaluate(vs('once', { include: [whole] }));
    const read = jest.spyOn(registry.codeSystemProvider(CS)!, 'all');
    try {
      const many = new ComposeEvaluator(registry).evaluate(vs('many', { include: Array.from({ length: 1000 }, () => ({ ...whole })) }));
      expect(many.entries.map((e) => e.code)).toEqual(once.entries.map((e) => e.code));
      expect(many.hierarchical).toBe(true);
      expect(read.mock.calls.length).toBeLessThanOrEqual(1);
      const excluding = new ComposeEvaluator(registry).evaluate(vs('excluding', {
        include: [whole, { ...whole }], exclude: Array.from({ length: 1000 }, () => ({ system: CS, concept: [{ code: 'fish' }] })),
      }));
      expect(excluding.entries.map((e) => e.code)).toEqual(once.entries.map((e) => e.code).filter((c) => c !== 'fish'));
    } finally {
      read.mockRestore();
    }
  });

  it('excludes are applied last, whatever include brought the code in', () => {
    expect(sorted({
      include: [
        { system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] },
        { system: CS, concept: [{ code: 'dog' }, { code: 'fish' }] },
      ],
      exclude: [{ system: CS, concept: [{ code: 'dog' }] }],
    })).toEqual(['cat', 'fish', 'mammal', 'puppy']);
  });

  it('an exclude may be a filter too', () => {
    expect(sorted({
      include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'animal' }] }],
      exclude: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }],
    })).toEqual(['animal', 'bird', 'owl']);
  });

  it('an exclude of another code system removes nothing', () => {
    expect(sorted({ include: [{ system: OTHER }], exclude: [{ system: CS, concept: [{ code: 'dog' }] }] })).toEqual(['blue', 'red']);
  });

  it('imports value sets', () => {
    expect(sorted({ include: [{ valueSet: [MAMMALS.url!] }] })).toEqual(['cat', 'dog', 'mammal', 'puppy']);
  });

  it('imports several value sets in one include as their intersection, in several includes as their union', () => {
    expect(sorted({ include: [{ valueSet: [MAMMALS.url!, PETS.url!] }] })).toEqual(['cat', 'dog']);
    expect(sorted({ include: [{ valueSet: [MAMMALS.url!] }, { valueSet: [PETS.url!] }] })).toEqual(['cat', 'dog', 'fish', 'mammal', 'puppy']);
  });

  it('intersects an import with the system part of the same include', () => {
    expect(sorted({ include: [{ system: CS, filter: [{ property: 'concept', op: 'descendent-of', value: 'dog' }], valueSet: [MAMMALS.url!] }] })).toEqual(['puppy']);
  });

  it('excludes an imported value set', () => {
    expect(sorted({ include: [{ valueSet: [MAMMALS.url!] }], exclude: [{ valueSet: [PETS.url!] }] })).toEqual(['mammal', 'puppy']);
  });

  it('refuses a circular import', () => {
    const e = fhirError(() => new ComposeEvaluator(registry).evaluate(CYCLE_A));
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
  });

  it('refuses an unknown code system or value set as not found', () => {
    expect(fhirError(() => evaluate({ include: [{ system: 'http://example.org/no-such-cs' }] })).code).toBe('not-found');
    expect(fhirError(() => evaluate({ include: [{ valueSet: ['http://example.org/no-such-vs'] }] })).code).toBe('not-found');
  });

  it('a filter on a code the code system does not have gives nothing', () => {
    expect(codes({ include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'unicorn' }] }] })).toEqual([]);
  });
});

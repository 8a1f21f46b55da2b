import type { CodeSystem, OperationOutcome, Parameters, ValueSet } from 'fhir/r4';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { CodeValidator } from '../../src/terminology/validation/code-validator';
import { ValidationOptions } from '../../src/terminology/validation/options';
import { ValueSetChecker } from '../../src/terminology/validation/vs-checker';
import { valueNamed as param } from '../support/parameters';

/*
 * A value set may reach the same imported value set along many paths: n levels of two value sets, each importing
 * both of the next level, reach the last level along 2^n paths. Checking a code must cost in proportion to the value
 * sets, not the paths (as $expand, which evaluates each value set once); and the answer must be the one a check along
 * every path gives.
 */

const CS = 'http://example.org/fhir/CodeSystem/paths';
const vsUrl = (level: number, side: 'a' | 'b') => `http://example.org/fhir/ValueSet/paths-${level}${side}`;

const codeSystem: CodeSystem = {
  resourceType: 'CodeSystem', id: 'paths', url: CS, version: '1', status: 'active', content: 'complete',
  concept: [
    { code: 'kept', display: 'Kept' },
    { code: 'dropped', display: 'Dropped' },
    { code: 'old', display: 'Old', property: [{ code: 'status', valueCode: 'retired' }] },
  ],
  property: [{ code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' }],
};

/**
 * Level i: `a` imports a(i+1) and b(i+1), in two includes (either will do) or, `both`, in one (both must have the
 * code); `b` imports both in one include and excludes `dropped`. The last level includes the whole code system.
 */
function diamonds(levels: number, a: 'either' | 'both'): ValueSet[] {
  const out: ValueSet[] = [];
  for (let i = 0; i < levels; i++) {
    const last = i === levels - 1;
    const next = [vsUrl(i + 1, 'a'), vsUrl(i + 1, 'b')];
    out.push({
      resourceType: 'ValueSet', id: `paths-${i}a`, url: vsUrl(i, 'a'), status: 'active',
      compose: { include: last ? [{ system: CS }] : a === 'both' ? [{ valueSet: next }] : [{ valueSet: [next[0]!] }, { valueSet: [next[1]!] }] },
    });
    out.push({
      resourceType: 'ValueSet', id: `paths-${i}b`, url: vsUrl(i, 'b'), status: 'active',
      compose: {
        include: last ? [{ system: CS }] : [{ valueSet: next }],
        exclude: [{ system: CS, concept: [{ code: 'dropped' }] }],
      },
    });
  }
  return out;
}

function validate(levels: number, code: string, configure: (o: ValidationOptions) => void = () => undefined, a: 'either' | 'both' = 'either'): { answer: Parameters; checks: number } {
  const registry = new TerminologyRegistry([new ResourceSet([codeSystem, ...diamonds(levels, a)])]);
  const options = new ValidationOptions();
  configure(options);
  const spy = jest.spyOn(ValueSetChecker.prototype, 'check');
  try {
    const answer = new CodeValidator(registry).validateInValueSet(registry.find('ValueSet', vsUrl(0, 'a'))!,
      { mode: 'code', codings: [{ system: CS, code }] }, options);
    return { answer, checks: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

const issueTexts = (p: Parameters) => ((param(p, 'issues') as OperationOutcome | undefined)?.issue ?? []).map((i) => `${i.severity} ${i.details?.text}`);

describe('a value set reaching an imported value set along many paths', () => {
  it.each([
    ['either', 'kept'], ['either', 'dropped'], ['either', 'unknown'], ['either', 'old'],
    ['both', 'kept'], ['both', 'dropped'], ['both', 'unknown'], ['both', 'old'],
  ] as const)('checks each value set a bounded number of times (%s side, the code %s)', (a, code) => {
    const small = validate(8, code, undefined, a).checks;
    const large = validate(16, code, undefined, a).checks;
    // 2^16 paths; the work grows with the 32 value sets only
    expect(large).toBeLessThan(small * 3);
    expect(large).toBeLessThan(16 * 2 * 4);
  });

  it('answers as a check along every path does: valid, its display, no issues', () => {
    const { answer } = validate(12, 'kept');
    expect(param(answer, 'result')).toBe(true);
    expect(param(answer, 'display')).toBe('Kept');
    expect(param(answer, 'version')).toBe('1');
    expect(param(answer, 'issues')).toBeUndefined();
  });

  it('answers a code the code system lacks as not valid, with its issue once', () => {
    const { answer } = validate(12, 'unknown');
    expect(param(answer, 'result')).toBe(false);
    const texts = issueTexts(answer);
    expect(texts.filter((t) => t.includes("Unknown code 'unknown'"))).toHaveLength(1);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('still finds a code an exclude removes on one side through the other side', () => {
    // a(0) takes a(1) or b(1); a(1) takes a(2) or b(2) …: the a-side never excludes, so `dropped` is in a(0)
    expect(param(validate(12, 'dropped').answer, 'result')).toBe(true);
  });

  it('finds a code only where every imported value set of an include has it', () => {
    expect(param(validate(12, 'kept', undefined, 'both').answer, 'result')).toBe(true);
    // b(1) excludes it, and a(0) takes only what a(1) and b(1) both have
    expect(param(validate(12, 'dropped', undefined, 'both').answer, 'result')).toBe(false);
  });

  it('reports a retired code as inactive, and refuses it with activeOnly, along every path alike', () => {
    const plain = validate(12, 'old').answer;
    expect(param(plain, 'result')).toBe(true);
    expect(param(plain, 'inactive')).toBe(true);
    const activeOnly = validate(12, 'old', (o) => o.see('activeOnly', true)).answer;
    expect(param(activeOnly, 'result')).toBe(false);
    expect(issueTexts(activeOnly).some((t) => t.includes('old'))).toBe(true);
  });
});

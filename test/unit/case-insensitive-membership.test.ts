import type { CodeSystem, OperationOutcome, Parameters, ValueSet, ValueSetCompose } from 'fhir/r4';
import { ComposeEvaluator } from '../../src/terminology/compose/evaluator';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';
import { CodeValidator } from '../../src/terminology/validation/code-validator';
import { ValidationOptions } from '../../src/terminology/validation/options';
import { valueNamed as param } from '../support/parameters';

const INSENSITIVE = 'http://example.org/fhir/CodeSystem/case-insensitive';
const SENSITIVE = 'http://example.org/fhir/CodeSystem/case-sensitive';

/**
 * a
 * ├── a1
 * └── B1
 * c2
 */
const concepts: CodeSystem['concept'] = [
  { code: 'a', display: 'A', concept: [{ code: 'a1', display: 'A one' }, { code: 'B1', display: 'B one' }] },
  { code: 'c2', display: 'C two' },
];
const codeSystem = (url: string, caseSensitive: boolean): CodeSystem => ({
  resourceType: 'CodeSystem', url, version: '1', status: 'active', content: 'complete', caseSensitive, concept: concepts,
});

const registry = new TerminologyRegistry([new ResourceSet([
  codeSystem(INSENSITIVE, false), codeSystem(SENSITIVE, true),
] as TerminologyResource[])]);

let n = 0;
const valueSet = (compose: ValueSetCompose): ValueSet => ({
  resourceType: 'ValueSet', url: `http://example.org/fhir/ValueSet/case-${++n}`, version: '1', status: 'active', compose,
});

const expanded = (vs: ValueSet): string[] => new ComposeEvaluator(registry).evaluate(vs).entries.map((e) => e.code).sort();

const validate = (vs: ValueSet, system: string, code: string): Parameters =>
  new CodeValidator(registry).validateInValueSet(vs, { mode: 'code', codings: [{ system, code }] }, new ValidationOptions());

const caseIssues = (p: Parameters): OperationOutcome['issue'] =>
  ((param(p, 'issues') as OperationOutcome | undefined)?.issue ?? []).filter((i) =>
    i.extension?.some((e) => e.valueString === 'CODE_CASE_DIFFERENCE'));

/** Every code of the code system, as it is written and in the other case. */
const CANDIDATES = ['a', 'A', 'a1', 'A1', 'B1', 'b1', 'c2', 'C2'];

/** $validate-code takes a code when and only when the expansion has its concept (in the code system's case). */
function expectAgreement(system: string, compose: (system: string) => ValueSetCompose, members: string[]): void {
  const vs = valueSet(compose(system));
  expect(expanded(vs)).toEqual([...members].sort());
  const folds = system === INSENSITIVE;
  for (const code of CANDIDATES) {
    const own = folds ? members.find((m) => m.toLowerCase() === code.toLowerCase()) : members.find((m) => m === code);
    const p = validate(vs, system, code);
    expect({ code, result: param(p, 'result') }).toEqual({ code, result: own !== undefined });
    if (own === undefined) continue;
    if (own === code) {
      expect(caseIssues(p)).toEqual([]);
      expect(param(p, 'normalized-code')).toBeUndefined();
    } else {
      expect(caseIssues(p)).toEqual([expect.objectContaining({ severity: 'information', code: 'business-rule' })]);
      expect(caseIssues(p)[0]?.details?.text).toBe(`The code '${code}' differs from the correct code '${own}' by case. Although the code `
        + `system '${system}|1' is case insensitive, implementers are strongly encouraged to use the correct case anyway`);
      expect(param(p, 'normalized-code')).toBe(own);
      expect(param(p, 'code')).toBe(code);
    }
  }
}

describe('a code system that is not case sensitive, in a value set', () => {
  it('takes a listed concept in either case, listed in the case of the code system', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, concept: [{ code: 'B1' }] }] }), ['B1']);
  });

  it('takes a listed concept in either case, listed in another case than the code system', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, concept: [{ code: 'b1' }, { code: 'C2' }] }] }), ['B1', 'c2']);
  });

  it('leaves out a concept an exclude lists in another case', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system }], exclude: [{ system, concept: [{ code: 'b1' }] }] }), ['a', 'a1', 'c2']);
  });

  it('finds the concept of `concept = value` in another case', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: '=', value: 'b1' }] }] }), ['B1']);
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'code', op: '=', value: 'C2' }] }] }), ['c2']);
  });

  it('finds the concepts of `concept in` in another case', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'in', value: 'b1' }] }] }), ['B1']);
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'in', value: 'b1, A1,zz' }] }] }), ['B1', 'a1']);
  });

  it('leaves out the concepts of `concept not-in` in another case', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'not-in', value: 'a,b1' }] }] }), ['a1', 'c2']);
  });

  it('takes the codes of hierarchy filters in another case, noting the difference', () => {
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'is-a', value: 'b1' }] }] }), ['B1']);
    expectAgreement(INSENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'descendent-of', value: 'A' }] }] }), ['B1', 'a1']);
  });

  it('infers the system of a listed code given in another case', () => {
    const vs = valueSet({ include: [{ system: INSENSITIVE, concept: [{ code: 'B1' }] }] });
    const options = new ValidationOptions();
    options.inferSystem = true;
    const p = new CodeValidator(registry).validateInValueSet(vs, { mode: 'code', codings: [{ code: 'b1' }] }, options);
    expect(param(p, 'result')).toBe(true);
    expect(param(p, 'system')).toBe(INSENSITIVE);
  });
});

describe('a case-sensitive code system, in a value set', () => {
  it('takes a listed concept only as it is written', () => {
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system, concept: [{ code: 'B1' }] }] }), ['B1']);
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system, concept: [{ code: 'b1' }] }] }), []);
  });

  it('does not leave out a concept an exclude lists in another case', () => {
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system }], exclude: [{ system, concept: [{ code: 'b1' }] }] }), ['B1', 'a', 'a1', 'c2']);
  });

  it('matches `=`, `in` and `not-in` only as written', () => {
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: '=', value: 'b1' }] }] }), []);
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'in', value: 'b1,a1' }] }] }), ['a1']);
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'not-in', value: 'a,b1' }] }] }), ['B1', 'a1', 'c2']);
  });

  it('finds no concept of a hierarchy filter in another case', () => {
    expectAgreement(SENSITIVE, (system) => ({ include: [{ system, filter: [{ property: 'concept', op: 'is-a', value: 'b1' }] }] }), []);
  });
});

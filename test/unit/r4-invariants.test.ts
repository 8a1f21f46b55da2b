import { R4_CONSTRAINTS } from '../../src/fhir/r4-constraints';
import { compileR4Expression } from '../../src/profile-validation/invariant-evaluator';
import { brokenR4Invariants, checkR4Invariants, RULES_IN_CODE } from '../../src/profile-validation/r4-invariants';
import { publishedCatalogs } from '../support/catalogs';
import { withTimeBudget } from '../../src/terminology/time-budget';
import { FhirError } from '../../src/errors/fhir-error';

/** What an evaluation gives: its result, or that it failed (no verdict). */
function outcome(evaluate: () => unknown[]): unknown {
  try {
    return evaluate();
  } catch {
    return 'no verdict';
  }
}

describe('R4 rules evaluated in code', () => {
  const container = {
    resourceType: 'CarePlan',
    contained: [{ resourceType: 'Organization', id: 'o1' }, { resourceType: 'Organization', id: 'o2' }, { resourceType: 'Organization' }],
  };
  const references: unknown[] = [
    {}, { display: 'x' }, { reference: 'Patient/1' }, { reference: '#o1' }, { reference: '#o2' }, { reference: '#o3' }, { reference: '#' },
    { reference: '' }, { reference: 'o1' }, { reference: '#O1' }, { reference: 5 }, { reference: true }, { reference: null },
  ];

  it('ref-1 gives what R4\'s expression gives, for references in and out of a container with and without contained resources', () => {
    const rule = R4_CONSTRAINTS.Reference!.find((r) => r.key === 'ref-1')!;
    const byExpression = compileR4Expression('Reference', rule.expression);
    const inCode = RULES_IN_CODE['ref-1']!;
    const roots = [container, { resourceType: 'CarePlan' }, { resourceType: 'CarePlan', contained: [] }];
    const seen = new Set<string>();
    for (const rootResource of roots) {
      for (const node of references) {
        const vars = { resource: rootResource, rootResource };
        const expected = outcome(() => byExpression(node, vars));
        expect({ node, rootResource, result: outcome(() => inCode(node, vars)) }).toEqual({ node, rootResource, result: expected });
        seen.add(JSON.stringify(expected));
      }
    }
    // the cases reach every result the rule can give
    expect([...seen].sort()).toEqual(['"no verdict"', '[]', '[false]', '[true]']);
  });
});

describe('csd-1 evaluated in code', () => {
  it("gives what R4's expression gives: codes unique across every level of the concept tree", () => {
    const rule = R4_CONSTRAINTS.CodeSystem!.find((r) => r.key === 'csd-1')!;
    const byExpression = compileR4Expression('CodeSystem', rule.expression);
    const inCode = RULES_IN_CODE['csd-1']!;
    const cs = (concept?: unknown[]) => ({ resourceType: 'CodeSystem', status: 'active', content: 'complete', ...(concept ? { concept } : {}) });
    const cases = [
      cs(), cs([]), cs([{ code: 'a' }, { code: 'b' }]), cs([{ code: 'a' }, { code: 'a' }]),
      cs([{ code: 'a', concept: [{ code: 'b', concept: [{ code: 'c' }] }] }, { code: 'd' }]),
      cs([{ code: 'a', concept: [{ code: 'b' }] }, { code: 'b' }]), cs([{ code: 'a', concept: [{ code: 'b' }, { code: 'b' }] }]),
      cs([{ code: 'a', concept: [{ code: 'x', concept: [{ code: 'a' }] }] }]), cs([{ code: 'a' }, { code: 'A' }]),
      cs([{ display: 'no code' }, { display: 'nor here' }]), cs([{ code: 'a', property: [{ code: 'a', valueCode: 'a' }] }]),
      cs([{ code: 5 }, { code: 5 }]), cs([{ code: 5 }, { code: '5' }]), cs([{ code: true }, { code: 'true' }]), cs([{ code: {} }, { code: 'a' }]),
      cs([{ code: ['a'] }]),
    ];
    const seen = new Set<string>();
    for (const node of cases) {
      const vars = { resource: node, rootResource: node };
      const expected = outcome(() => byExpression(node, vars));
      expect({ node, result: outcome(() => inCode(node, vars)) }).toEqual({ node, result: expected });
      seen.add(JSON.stringify(expected));
    }
    // the cases reach both verdicts (the engine gives one even for codes of the wrong type)
    expect([...seen].sort()).toEqual(['[false]', '[true]']);
  });
});

describe('cmd-1 evaluated in code', () => {
  it("gives what R4's expression gives: a narrower or inexact target has a comment", () => {
    const base = 'ConceptMap.group.element.target';
    const rule = R4_CONSTRAINTS[base]!.find((r) => r.key === 'cmd-1')!;
    const byExpression = compileR4Expression(base, rule.expression);
    const inCode = RULES_IN_CODE['cmd-1']!;
    const seen = new Set<string>();
    const comments: unknown[] = [undefined, 'why', '', 5, null];
    const equivalences: unknown[] = [undefined, 'inexact', 'narrower', 'equivalent', 'subsumes', 'unmatched', 'Inexact', 3, null];
    const extensions: Record<string, unknown>[] = [{}, { _comment: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] } }, { _equivalence: { id: 'e' } }];
    for (const comment of comments) {
      for (const equivalence of equivalences) {
        for (const extension of extensions) {
          const node = { code: 'x', ...(comment !== undefined ? { comment } : {}), ...(equivalence !== undefined ? { equivalence } : {}), ...extension };
          const vars = { resource: { resourceType: 'ConceptMap' }, rootResource: { resourceType: 'ConceptMap' } };
          const expected = outcome(() => byExpression(node, vars));
          expect({ node, result: outcome(() => inCode(node, vars)) }).toEqual({ node, result: expected });
          seen.add(JSON.stringify(expected));
        }
      }
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(['[false]', '[true]']));
  });
});

describe("the value set rules evaluated in code (vsd-1, 2, 3, 6, 9, 10)", () => {
  it("give what R4's expressions give, for elements there or not, empty, of other types, or given by their extensions", () => {
    const values: Record<string, unknown[]> = {
      system: [undefined, 'http://x', '', 5, null],
      valueSet: [undefined, ['http://v'], [], ['']],
      concept: [undefined, [{ code: 'a' }], [], [null], 'x'],
      filter: [undefined, [{ property: 'p', op: '=', value: 'v' }], []],
      code: [undefined, 'a', '', 7],
      display: [undefined, 'A', ''],
      abstract: [undefined, true, false, 'true'],
    };
    const extension = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
    const seen = new Map<string, Set<string>>();
    for (const [base, key, names] of [
      ['ValueSet.compose.include', 'vsd-1', ['valueSet', 'system']], ['ValueSet.compose.include', 'vsd-2', ['concept', 'filter', 'system']],
      ['ValueSet.compose.include', 'vsd-3', ['concept', 'filter']], ['ValueSet.expansion.contains', 'vsd-6', ['code', 'display']],
      ['ValueSet.expansion.contains', 'vsd-9', ['code', 'abstract']], ['ValueSet.expansion.contains', 'vsd-10', ['code', 'system']],
    ] as [string, string, string[]][]) {
      const rule = R4_CONSTRAINTS[base]!.find((r) => r.key === key)!;
      const byExpression = compileR4Expression(base, rule.expression);
      const inCode = RULES_IN_CODE[key]!;
      const verdicts = new Set<string>();
      // every combination of the rule's elements' values, and each element given by its extensions as well
      const combinations = names.reduce<Record<string, unknown>[]>((all, name) => all.flatMap((node) => values[name]!.map((v) => (v === undefined ? node : { ...node, [name]: v }))), [{}]);
      const nodes = [...combinations, ...names.map((name) => ({ [`_${name}`]: extension })), ...names.map((name) => ({ [name]: values[name]![1], [`_${name}`]: extension }))];
      for (const node of nodes) {
        const vars = { resource: { resourceType: 'ValueSet' }, rootResource: { resourceType: 'ValueSet' } };
        const expected = outcome(() => byExpression(node, vars));
        expect({ key, node, result: outcome(() => inCode(node, vars)) }).toEqual({ key, node, result: expected });
        verdicts.add(JSON.stringify(expected));
      }
      seen.set(key, verdicts);
    }
    for (const [key, verdicts] of seen) expect({ key, reached: [...verdicts].filter((v) => v === '[true]' || v === '[false]').sort() }).toEqual({ key, reached: ['[false]', '[true]'] });
  });
});

describe('R4 invariants of a large resource', () => {
  const questionnaire = (items: number) => ({
    resourceType: 'Questionnaire', status: 'active',
    item: Array.from({ length: items }, (_, i) => ({ linkId: `g${i}`, type: 'group', item: [{ linkId: `q${i}`, type: 'string' }] })),
  });

  it('are checked within the operation\'s time budget, stopping with 422 too-costly when it is spent', () => {
    const large = questionnaire(1000);
    expect(checkR4Invariants(large, 'Questionnaire', 'Questionnaire', undefined, [])).toEqual([]);
    let stopped: unknown;
    try {
      withTimeBudget(1, () => checkR4Invariants(large, 'Questionnaire', 'Questionnaire', undefined, []));
    } catch (e) {
      stopped = e;
    }
    expect(stopped).toBeInstanceOf(FhirError);
    expect(stopped).toMatchObject({ status: 422, code: 'too-costly' });
  });

  it('finds linkIds that are not unique (que-2) among many', () => {
    const q = questionnaire(1000);
    q.item[999]!.item[0]!.linkId = 'g5';
    expect(checkR4Invariants(q, 'Questionnaire', 'Questionnaire', undefined, []).map((i) => [i.messageId, i.expression])).toEqual([['que-2', ['Questionnaire']]]);
  });
});

describe('the published catalogs', () => {
  it('break none of R4\'s invariants, which a package or a write of them is checked against', () => {
    const resources = publishedCatalogs().resources;
    expect(resources.length).toBeGreaterThan(80);
    const broken = resources.flatMap((r) => brokenR4Invariants(r as unknown as Record<string, unknown>, r.resourceType, []).map((i) => `${r.resourceType}/${r.id} ${i.messageId} ${i.expression[0]}`));
    expect(broken).toEqual([]);
  });
});

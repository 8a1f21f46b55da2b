import { listedIssues, MAX_LISTED_ISSUES, omittedIssuesText } from '../../src/errors/issue-cap';
import { unknownParameterNames, type OperationSpec } from '../../src/fhir/parameters';
import { IssueCollector } from '../../src/terminology/issue-collector';
import { ValidationState } from '../../src/terminology/validation/context';

/** Work per request grows with the input, never with its square: counted in calls, not timed. */

describe('listedIssues', () => {
  it('keeps every issue up to the limit', () => {
    const issues = Array.from({ length: MAX_LISTED_ISSUES }, (_, i) => i);
    expect(listedIssues(issues, () => -1)).toEqual(issues);
  });

  it('keeps the first ones and one standing for the rest, with their number', () => {
    const issues = Array.from({ length: 1000 }, (_, i) => i);
    const listed = listedIssues(issues, (omitted) => -omitted);
    expect(listed).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(listed.slice(0, MAX_LISTED_ISSUES)).toEqual(issues.slice(0, MAX_LISTED_ISSUES));
    expect(listed.at(-1)).toBe(-900);
  });

  it('keeps the most severe, in the order found: errors found after hundreds of warnings are listed, in the order found', () => {
    const issues = [
      ...Array.from({ length: 150 }, (_, i) => ({ severity: 'warning', n: i })),
      { severity: 'error', n: 150 },
      { severity: 'information', n: 151 },
      { severity: 'fatal', n: 152 },
    ];
    const listed = listedIssues(issues, (omitted) => ({ severity: 'information', n: -omitted }));
    expect(listed).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(listed.slice(0, 3).map((i) => i.n)).toEqual([0, 1, 2]);
    expect(listed.slice(MAX_LISTED_ISSUES - 2).map((i) => [i.severity, i.n])).toEqual([['error', 150], ['fatal', 152], ['information', -53]]);
    expect(listed.filter((i) => i.severity === 'warning')).toHaveLength(MAX_LISTED_ISSUES - 2);
  });

  it('says how many in Danish and English', () => {
    expect(omittedIssuesText(1)).toEqual({
      da: `… og 1 problem mere, som ikke er vist (kun ${MAX_LISTED_ISSUES} vises: de alvorligste)`,
      en: `… and 1 more issue, not listed (only ${MAX_LISTED_ISSUES} are: the most severe)`,
    });
  });
});

describe('IssueCollector', () => {
  afterEach(() => jest.restoreAllMocks());

  it('finds a duplicate without serializing the issues it holds', () => {
    const collector = new IssueCollector();
    const stringify = jest.spyOn(JSON, 'stringify');
    for (let i = 0; i < 2000; i++) expect(collector.add({ severity: i % 2 ? 'error' : 'warning', code: 'invalid', text: `issue ${i % 1000}` })).toBe(i < 1000);
    expect(stringify).not.toHaveBeenCalled();
    expect(collector.issues).toHaveLength(1000);
    expect(collector.hasErrors).toBe(true);
  });

  it('keeps issues that differ only in their expression, translation or tx-issue-type apart', () => {
    const collector = new IssueCollector();
    const base = { severity: 'error' as const, code: 'invalid' as const, text: 'x' };
    expect(collector.add(base)).toBe(true);
    expect(collector.add({ ...base, expression: ['a'] })).toBe(true);
    expect(collector.add({ ...base, expression: ['a'] })).toBe(false);
    expect(collector.add({ ...base, txIssueType: 'invalid-code' })).toBe(true);
    expect(collector.add({ ...base, text: { en: 'x', da: 'y' } })).toBe(true);
    expect(collector.add({ ...base, text: { en: 'x', da: 'z' } })).toBe(true);
    expect(collector.add({ ...base, expression: [] })).toBe(false);
    expect(collector.outcomeIssues()).toHaveLength(5);
    expect(collector.outcomeIssues()[1]).toEqual({ severity: 'error', code: 'invalid', details: { text: 'x' }, expression: ['a'] });
  });

  it('lists at most MAX_LISTED_ISSUES, then says how many more', () => {
    const collector = new IssueCollector();
    for (let i = 0; i < MAX_LISTED_ISSUES + 3; i++) collector.add({ severity: 'error', code: 'invalid', text: `issue ${i}` });
    const listed = collector.outcomeIssues();
    expect(listed).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(listed[MAX_LISTED_ISSUES]).toEqual(expect.objectContaining({ severity: 'information', code: 'informational', diagnostics: listed[MAX_LISTED_ISSUES]!.details!.text }));
    expect(listed[MAX_LISTED_ISSUES]!.details!.text).toContain('3 more issues');
    expect(collector.errorTexts()).toHaveLength(MAX_LISTED_ISSUES + 3);
  });

  it('counts errors as they come', () => {
    const collector = new IssueCollector();
    collector.add({ severity: 'warning', code: 'invalid', text: 'w' });
    expect(collector.hasErrors).toBe(false);
    collector.add({ severity: 'fatal', code: 'exception', text: 'f' });
    expect(collector.hasErrors).toBe(true);
  });
});

describe('ValidationState.message', () => {
  it('keeps each text once, in order, without searching the list', () => {
    const state = new ValidationState();
    const includes = jest.spyOn(Array.prototype, 'includes');
    for (let i = 0; i < 1000; i++) state.message(`m${i % 10}`);
    const searchedMessages = includes.mock.contexts.filter((c) => c === state.messages).length;
    includes.mockRestore();
    expect(state.messages).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(searchedMessages).toBe(0);
  });
});

describe('unknownParameterNames', () => {
  const spec: OperationSpec = { name: 'x', params: [{ name: 'url', type: 'uri' }] };

  it('names each unknown name once, in order of appearance, leaving out known and general ones', () => {
    expect(unknownParameterNames(spec, ['b', 'url', 'a', 'b', '_format', 'a', 'c'])).toEqual(['b', 'a', 'c']);
  });

  it('does not search the names found so far for each name', () => {
    const includes = jest.spyOn(Array.prototype, 'includes');
    const names = Array.from({ length: 5000 }, (_, i) => `p${i}`);
    const out = unknownParameterNames(spec, names);
    const calls = includes.mock.calls.length;
    includes.mockRestore();
    expect(out).toHaveLength(5000);
    expect(calls).toBe(0);
  });
});

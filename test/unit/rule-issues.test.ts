/**
 * The issues of a write rule check (src/municipal/rule-issues.ts): a check keeps the first KEPT_RULE_ISSUES and says
 * first how many it found; the answer lists that count, then MAX_LISTED_ISSUES of the rest, errors first.
 */
import { MAX_LISTED_ISSUES } from '../../src/errors/issue-cap';
import { errorToOutcome } from '../../src/errors/operation-outcome';
import { Issues, KEPT_RULE_ISSUES, RULE_ISSUES_NOT_KEPT, validationFailure } from '../../src/municipal/rule-issues';

describe('validationFailure', () => {
  it('says how many a check found first even when those it did not keep were warnings and more errors than it lists were kept', () => {
    const issues = new Issues();
    for (let i = 0; i < 150; i++) issues.error('invalid', { en: `error ${i}`, da: `fejl ${i}` });
    for (let i = 0; i < KEPT_RULE_ISSUES; i++) issues.warning('business-rule', { en: `warning ${i}`, da: `advarsel ${i}` });
    const listed = errorToOutcome(validationFailure(issues.list)).outcome.issue;
    expect(listed[0]).toMatchObject({ extension: [expect.objectContaining({ valueString: RULE_ISSUES_NOT_KEPT })] });
    expect(listed[0]!.details?.text).toMatch(/^1150 problems were found, more than the 1000 kept/);
    expect(listed.slice(1, MAX_LISTED_ISSUES + 1).every((i) => i.severity === 'error')).toBe(true);
    expect(listed.at(-1)?.details?.text).toMatch(/^… and 1050 more issues, not listed/);
  });
});

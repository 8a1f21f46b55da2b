import { ISSUE_LINE_EXTENSION, MESSAGE_ID_EXTENSION, outcomeIssue, TRANSLATION_EXTENSION, TX_ISSUE_TYPE_SYSTEM } from '../../src/errors/issue';

describe('one issue to an OperationOutcome issue', () => {
  it('writes a terminology issue with its tx-issue-type, message id and expression', () => {
    expect(outcomeIssue({
      severity: 'error', code: 'code-invalid', text: "Unknown code 'x'", txIssueType: 'invalid-code', messageId: 'Unknown_Code_in_Version', expression: ['Coding.code'],
    })).toEqual({
      severity: 'error', code: 'code-invalid',
      extension: [{ url: MESSAGE_ID_EXTENSION, valueString: 'Unknown_Code_in_Version' }],
      details: { text: "Unknown code 'x'", coding: [{ system: TX_ISSUE_TYPE_SYSTEM, code: 'invalid-code' }] },
      location: ['Coding.code'], expression: ['Coding.code'],
    });
  });

  it('writes a bilingual text in the language asked for, the other as a translation', () => {
    const text = { da: 'Koden findes ikke', en: 'The code does not exist' };
    const da = outcomeIssue({ severity: 'warning', code: 'business-rule', text }, 'da');
    expect(da.details).toEqual({
      text: 'Koden findes ikke',
      _text: { extension: [{ url: TRANSLATION_EXTENSION, extension: [{ url: 'lang', valueCode: 'en' }, { url: 'content', valueString: 'The code does not exist' }] }] },
    });
    expect(outcomeIssue({ severity: 'warning', code: 'business-rule', text }, 'en').details?.text).toBe('The code does not exist');
  });

  it("writes the line of an imported file and the diagnostics, and leaves out what the issue does not have", () => {
    expect(outcomeIssue({ severity: 'error', code: 'invalid', text: 'bad row', line: 3, diagnostics: 'line 3: bad row', expression: [] })).toEqual({
      severity: 'error', code: 'invalid', extension: [{ url: ISSUE_LINE_EXTENSION, valueInteger: 3 }], details: { text: 'bad row' }, diagnostics: 'line 3: bad row',
    });
  });
});

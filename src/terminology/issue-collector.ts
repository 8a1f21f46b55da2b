import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import { issueText, messageIssue, type Bilingual, type Issue, type Language, type OperationOutcomeIssue } from '../errors/issue';
import { DistinctList } from './distinct-list';

/** Collects the issues found while validating, each once, and answers whether any of them is an error. */
export class IssueCollector {
  private readonly found = new DistinctList<Issue>(issueKey);
  private errors = 0;

  /** Adds the issue unless an identical one is already there; returns whether it was added. */
  add(issue: Issue): boolean {
    if (!this.found.add(issue)) return false;
    if (isError(issue)) this.errors++;
    return true;
  }

  get issues(): readonly Issue[] {
    return this.found.items;
  }

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  get hasIssues(): boolean {
    return this.found.items.length > 0;
  }

  /**
   * The issues as an OperationOutcome lists them (at most MAX_LISTED_ISSUES, then one saying how many more), with
   * their location as a FHIRPath `expression` only (`location` is deprecated in R4 and later).
   */
  outcomeIssues(lang: Language = 'en'): OperationOutcomeIssue[] {
    return listedIssues<Issue>(this.found.items, (omitted) => {
      const text = omittedIssuesText(omitted);
      return { severity: 'information', code: 'informational', text, diagnostics: text.en };
    }).map((i) => messageIssue(i, lang, false));
  }

  /** Texts of the error issues (in both languages where they have both). */
  errorTexts(): (string | Bilingual)[] {
    const texts: (string | Bilingual)[] = [];
    for (const i of this.found.items) {
      if (isError(i) && issueText(i)) texts.push(i.text);
    }
    return texts;
  }
}

const isError = (i: Issue): boolean => i.severity === 'error' || i.severity === 'fatal';

/** What makes two issues the same in an OperationOutcome (outcomeIssue writes nothing else). */
function issueKey(i: Issue): string {
  const text = typeof i.text === 'string' ? i.text : `${i.text.en}\u0001${i.text.da}`;
  return `${i.severity}\u0000${i.code}\u0000${i.txIssueType ?? ''}\u0000${i.messageId ?? ''}\u0000${i.line ?? ''}\u0000` +
    `${(i.expression ?? []).join('\u0001')}\u0000${i.diagnostics ?? '\u0002'}\u0000${text}`;
}

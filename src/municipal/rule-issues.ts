import { FhirError, type IssueCode } from '../errors/fhir-error';
import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import type { MessageLanguage } from '../errors/message-language';
import { issueText, messageIssue, type Bilingual, type Issue, type OperationOutcomeIssue } from '../errors/issue';

/**
 * An issue of the write rules: English, or English and Danish (for callers that ask for Danish, the web page); writes
 * are answered as terminology errors are (`messageIssue`).
 */
export interface RuleIssue extends Issue {
  severity: 'error' | 'warning' | 'information';
  /** FHIRPath-style location, e.g. ConceptMap.group[0].element[2].target[0].code */
  expression?: string[];
  /** The local (source) code the issue is about, so the CSV import can name the line. */
  localCode?: string;
}

export class Issues {
  readonly list: RuleIssue[] = [];
  /** Every write rule speaks both languages: municipal staff read them in Danish (the web page, the CSV import). */
  error(code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.add('error', code, text, expression, localCode);
  }
  warning(code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.add('warning', code, text, expression, localCode);
  }
  private add(severity: 'error' | 'warning', code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.list.push({ severity, code, text, expression: expression ? [expression] : undefined, localCode });
  }
}

export function hasErrors(issues: readonly RuleIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

export function toOutcomeIssue(i: RuleIssue, lang: MessageLanguage = 'en'): OperationOutcomeIssue {
  return messageIssue({ severity: i.severity, code: i.code, text: i.text, expression: i.expression, messageId: i.messageId }, lang);
}

/** One FhirError (422) whose OperationOutcome lists the issues, errors first (at most MAX_LISTED_ISSUES, then a count). */
export function validationFailure(issues: readonly RuleIssue[], status = 422): FhirError {
  const sorted = listedIssues([...issues.filter((i) => i.severity === 'error'), ...issues.filter((i) => i.severity !== 'error')],
    (omitted): RuleIssue => ({ severity: 'information', code: 'informational', text: omittedIssuesText(omitted) }));
  const [first, ...rest] = sorted;
  return new FhirError(status, first!.code, issueText(first!), {
    ...(typeof first!.text === 'object' ? { da: first!.text.da } : {}), expression: first!.expression, messageId: first!.messageId,
    extraIssues: rest.map((i) => ({ severity: i.severity, code: i.code, text: i.text, expression: i.expression, messageId: i.messageId })),
  });
}

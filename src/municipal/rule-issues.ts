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
  /** On the issue counting what a check found beyond what it kept: how many it did not keep. */
  notKept?: number;
}

/**
 * The issues one check keeps; more are counted, not kept. An answer lists MAX_LISTED_ISSUES of them, and a resource
 * of hundreds of thousands of mappings each wrong would otherwise hold an issue for each in memory (a 10 MB map: ~500 MB).
 */
export const KEPT_RULE_ISSUES = 1000;

/** The message id of the issue saying how many a check found beyond those it kept; listed first. */
export const RULE_ISSUES_NOT_KEPT = 'RULE_ISSUES_NOT_KEPT';

export class Issues {
  private readonly kept: RuleIssue[] = [];
  private notKept = 0;
  private notKeptError = false;

  /** The issues kept, and, when there were more, first an issue saying how many were found in all. */
  get list(): RuleIssue[] {
    if (this.notKept === 0) return this.kept;
    const total = this.kept.length + this.notKept;
    return [{
      severity: this.notKeptError ? 'error' : 'warning', code: this.notKeptError ? 'invalid' : 'business-rule', messageId: RULE_ISSUES_NOT_KEPT, notKept: this.notKept,
      text: {
        en: `${total} problems were found, more than the ${KEPT_RULE_ISSUES} kept (the first found); of those, the most severe are listed`,
        da: `Der blev fundet ${total} problemer, flere end de ${KEPT_RULE_ISSUES}, der gemmes (de først fundne); af dem vises de alvorligste.`,
      },
    }, ...this.kept];
  }

  /** Every write rule speaks both languages: municipal staff read them in Danish (the web page, the CSV import). */
  error(code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.add('error', code, text, expression, localCode);
  }
  warning(code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.add('warning', code, text, expression, localCode);
  }
  private add(severity: 'error' | 'warning', code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    if (this.kept.length < KEPT_RULE_ISSUES) {
      this.kept.push({ severity, code, text, expression: expression ? [expression] : undefined, localCode });
      return;
    }
    this.notKept++;
    if (severity === 'error') this.notKeptError = true;
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
  const first = (i: RuleIssue): boolean => i.messageId === RULE_ISSUES_NOT_KEPT;
  // the count of what a check did not keep is said first, whatever its severity, and is not one of the issues capped
  // what is not listed: those kept but left out here, and those the check did not keep
  const notKept = issues.find(first)?.notKept ?? 0;
  const others = [...issues.filter((i) => !first(i) && i.severity === 'error'), ...issues.filter((i) => !first(i) && i.severity !== 'error')];
  const listed = listedIssues(others, (omitted): RuleIssue => ({ severity: 'information', code: 'informational', text: omittedIssuesText(omitted + notKept) }));
  const sorted = [...issues.filter(first), ...listed];
  const [head, ...rest] = sorted;
  return new FhirError(status, head!.code, issueText(head!), {
    ...(typeof head!.text === 'object' ? { da: head!.text.da } : {}), expression: head!.expression, messageId: head!.messageId,
    extraIssues: rest.map((i) => ({ severity: i.severity, code: i.code, text: i.text, expression: i.expression, messageId: i.messageId })),
  });
}

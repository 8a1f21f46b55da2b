import type { OperationOutcome } from 'fhir/r4';
import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import { outcomeIssue, type Bilingual, type Issue, type Language, type OperationOutcomeIssue, type Severity } from '../errors/issue';

export type IssueSeverity = Severity;
export { TRANSLATION_EXTENSION, type Bilingual, type Language } from '../errors/issue';
export { primaryLanguage } from '../errors/message-language';

/** One issue found while validating a submission, before it is written in the caller's language. */
export interface ValidationIssue extends Issue {
  text: Bilingual;
  /** FHIRPath expressions of the elements the issue is about, e.g. `Bundle.entry[3].resource.code.coding[1]`. */
  expression: string[];
}

/** Writes an issue as an OperationOutcome issue: text in the primary language, the other one as a translation. */
export function toOutcomeIssue(i: ValidationIssue, lang: Language): OperationOutcomeIssue {
  return outcomeIssue(i, lang);
}

/**
 * The OperationOutcome of a validation: the issues (at most MAX_LISTED_ISSUES, then one saying how many more), or one
 * informational issue when nothing was found.
 */
export function validationOutcome(issues: readonly ValidationIssue[], lang: Language): OperationOutcome {
  const list = issues.length > 0 ? listedIssues(issues, (omitted): ValidationIssue => ({
    severity: 'information', code: 'informational', text: omittedIssuesText(omitted), expression: [],
  })) : [{
    severity: 'information' as const,
    code: 'informational' as const,
    text: { da: 'Ingen fejl fundet ved valideringen', en: 'No issues detected during validation' },
    expression: [],
  }];
  return { resourceType: 'OperationOutcome', issue: list.map((i) => toOutcomeIssue(i, lang)) };
}

/** `'code' (display)` for messages. */
export function quoteCode(code: string, display?: string): string {
  return display ? `'${code}' (${display})` : `'${code}'`;
}

import { messageIssue, type Bilingual, type Issue, type Language, type OperationOutcomeIssue } from './issue';

/**
 * Issues an answer lists at most. A submission or a file with thousands of problems is answered with the first ones
 * and one issue saying how many more there are: enough to act on, and an answer (and its memory) that does not grow
 * with the input.
 */
export const MAX_LISTED_ISSUES = 100;

/** The message id of the issue that stands for those not listed (a client can tell it from the issues themselves). */
export const ISSUES_OMITTED = 'ISSUES_OMITTED';

/** The issue that stands for those not listed, in both languages of the service. */
export function omittedIssuesText(omitted: number): Bilingual {
  return {
    da: `… og ${omitted} problem${omitted === 1 ? '' : 'er'} mere, som ikke er vist (kun de første ${MAX_LISTED_ISSUES} vises)`,
    en: `… and ${omitted} more issue${omitted === 1 ? '' : 's'}, not listed (only the first ${MAX_LISTED_ISSUES} are)`,
  };
}

/** The first MAX_LISTED_ISSUES issues, then `more(the number left out)` when there were more. */
export function listedIssues<T>(issues: readonly T[], more: (omitted: number) => T): T[] {
  if (issues.length <= MAX_LISTED_ISSUES) return [...issues];
  return [...issues.slice(0, MAX_LISTED_ISSUES), more(issues.length - MAX_LISTED_ISSUES)];
}

/**
 * listedIssues for OperationOutcome issues: the last one an information issue naming how many were left out, in the
 * caller's language as the server's messages are (`messageIssue`).
 */
export function listedOutcomeIssues(issues: readonly OperationOutcomeIssue[], lang: Language = 'en'): OperationOutcomeIssue[] {
  return listedIssues(issues, (omitted) => messageIssue(omittedIssue(omitted), lang));
}

/** The information issue standing for `omitted` issues not listed. */
export function omittedIssue(omitted: number): Issue {
  const text = omittedIssuesText(omitted);
  return { severity: 'information', code: 'informational', text, diagnostics: text.en, messageId: ISSUES_OMITTED };
}

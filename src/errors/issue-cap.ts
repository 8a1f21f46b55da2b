import type { Bilingual, Issue } from './issue';

/**
 * Issues an answer lists at most. A submission or a file with thousands of problems is answered with the most severe
 * of them and one issue saying how many more there are: enough to act on, and an answer (and its memory) that does not
 * grow with the input.
 */
export const MAX_LISTED_ISSUES = 100;

/** The message id of the issue that stands for those not listed (a client can tell it from the issues themselves). */
export const ISSUES_OMITTED = 'ISSUES_OMITTED';

/** The issue that stands for those not listed, in both languages of the service. */
export function omittedIssuesText(omitted: number): Bilingual {
  return {
    da: `… og ${omitted} problem${omitted === 1 ? '' : 'er'} mere, som ikke er vist (kun ${MAX_LISTED_ISSUES} vises: de alvorligste)`,
    en: `… and ${omitted} more issue${omitted === 1 ? '' : 's'}, not listed (only ${MAX_LISTED_ISSUES} are: the most severe)`,
  };
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { fatal: 0, error: 1, warning: 2, information: 3 };

function rank(issue: unknown): number {
  const severity = (issue as { severity?: unknown } | null)?.severity;
  return typeof severity === 'string' ? SEVERITY_RANK[severity] ?? 4 : 4;
}

/**
 * MAX_LISTED_ISSUES of the issues, then `more(the number left out)` when there were more: the most severe (fatal,
 * error, warning, information; of one severity the first found), in the order they were found. An error found after
 * hundreds of warnings is listed, so an answer with errors shows one: a client that looks for an error among the
 * issues listed finds it.
 */
export function listedIssues<T>(issues: readonly T[], more: (omitted: number) => T): T[] {
  if (issues.length <= MAX_LISTED_ISSUES) return [...issues];
  const kept = issues.map((issue, at) => ({ issue, at, rank: rank(issue) }))
    .sort((a, b) => a.rank - b.rank || a.at - b.at)
    .slice(0, MAX_LISTED_ISSUES)
    .sort((a, b) => a.at - b.at);
  return [...kept.map((k) => k.issue), more(issues.length - MAX_LISTED_ISSUES)];
}

/** The information issue standing for `omitted` issues not listed. */
export function omittedIssue(omitted: number): Issue {
  const text = omittedIssuesText(omitted);
  return { severity: 'information', code: 'informational', text, diagnostics: text.en, messageId: ISSUES_OMITTED };
}

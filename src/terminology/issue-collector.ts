import type { OperationOutcomeIssue, IssueInput } from '../errors/operation-outcome';
import { issue } from '../errors/operation-outcome';

/** Collects the issues found while validating, and answers whether any of them is an error. */
export class IssueCollector {
  readonly issues: OperationOutcomeIssue[] = [];

  /**
   * Adds the issue unless an identical one is already there; returns whether it was added. Issues carry their
   * location as a FHIRPath `expression` only (`location` is deprecated in R4 and later).
   */
  add(input: IssueInput): boolean {
    const candidate = issue(input);
    delete candidate.location;
    const key = JSON.stringify(candidate);
    if (this.issues.some((i) => JSON.stringify(i) === key)) return false;
    this.issues.push(candidate);
    return true;
  }

  get hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
  }

  get hasIssues(): boolean {
    return this.issues.length > 0;
  }

  /** Texts of the error issues. */
  errorTexts(): string[] {
    return this.issues
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => i.details?.text)
      .filter((t): t is string => !!t);
  }

  /** The human message of a validation result: the error texts, or the warnings when there is no error. */
  message(): string | undefined {
    const errors = this.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    const chosen = errors.length > 0 ? errors : this.issues.filter((i) => i.severity === 'warning');
    const texts = chosen.map((i) => i.details?.text).filter((t): t is string => !!t);
    return texts.length > 0 ? texts.join('; ') : undefined;
  }
}

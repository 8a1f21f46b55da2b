import type { OperationOutcomeIssue, IssueInput } from '../errors/operation-outcome';
import { issue } from '../errors/operation-outcome';

/** Collects the issues found while validating, and answers whether any of them is an error. */
export class IssueCollector {
  readonly issues: OperationOutcomeIssue[] = [];

  add(input: IssueInput): void {
    this.issues.push(issue(input));
  }

  get hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
  }

  /** The human message of a validation result: the error texts, or the warnings when there is no error. */
  message(): string | undefined {
    const errors = this.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    const chosen = errors.length > 0 ? errors : this.issues.filter((i) => i.severity === 'warning');
    const texts = chosen.map((i) => i.details?.text).filter((t): t is string => !!t);
    return texts.length > 0 ? texts.join('; ') : undefined;
  }
}

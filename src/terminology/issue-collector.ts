import { outcomeIssue, type Issue, type OperationOutcomeIssue } from '../errors/issue';

/** Collects the issues found while validating, and answers whether any of them is an error. */
export class IssueCollector {
  readonly issues: OperationOutcomeIssue[] = [];
  /**
   * The issues' JSON, to find an identical one without comparing with each (a CodeableConcept may have 100,000
   * codings); made when a second issue comes, as most validations report one issue or none.
   */
  private keys?: Set<string>;

  /**
   * Adds the issue unless an identical one is already there; returns whether it was added. Issues carry their
   * location as a FHIRPath `expression` only (`location` is deprecated in R4 and later).
   */
  add(input: Issue): boolean {
    const candidate = outcomeIssue(input, 'en', false);
    if (this.issues.length > 0) {
      this.keys ??= new Set([JSON.stringify(this.issues[0])]);
      const key = JSON.stringify(candidate);
      if (this.keys.has(key)) return false;
      this.keys.add(key);
    }
    this.issues.push(candidate);
    if (candidate.severity === 'error' || candidate.severity === 'fatal') this.errors++;
    return true;
  }

  private errors = 0;

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  get hasIssues(): boolean {
    return this.issues.length > 0;
  }

  /** Texts of the error issues. */
  errorTexts(): string[] {
    const texts: string[] = [];
    for (const i of this.issues) {
      const text = i.details?.text;
      if ((i.severity === 'error' || i.severity === 'fatal') && text) texts.push(text);
    }
    return texts;
  }

  /** The human message of a validation result: the error texts, or the warnings when there is no error. */
  message(): string | undefined {
    const errors = this.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    const chosen = errors.length > 0 ? errors : this.issues.filter((i) => i.severity === 'warning');
    const texts = chosen.map((i) => i.details?.text).filter((t): t is string => !!t);
    return texts.length > 0 ? texts.join('; ') : undefined;
  }
}

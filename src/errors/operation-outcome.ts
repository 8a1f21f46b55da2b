import type { OperationOutcome } from 'fhir/r4';
import { FhirError, type IssueCode, type TxIssueType } from './fhir-error';
import { localizedDetails, type MessageLanguage } from './message-language';

export type OperationOutcomeIssue = OperationOutcome['issue'][number];
export type Severity = OperationOutcomeIssue['severity'];

export const TX_ISSUE_TYPE_SYSTEM = 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type';
export const MESSAGE_ID_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id';

export interface IssueInput {
  severity: Severity;
  code: IssueCode;
  text: string;
  txIssueType?: TxIssueType;
  expression?: string[];
  messageId?: string;
}

/** Builds one OperationOutcome issue in the shape terminology clients expect. */
export function issue(input: IssueInput): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = { severity: input.severity, code: input.code as OperationOutcomeIssue['code'] };
  if (input.messageId) out.extension = [{ url: MESSAGE_ID_EXTENSION, valueString: input.messageId }];
  out.details = { text: input.text };
  if (input.txIssueType) out.details.coding = [{ system: TX_ISSUE_TYPE_SYSTEM, code: input.txIssueType }];
  if (input.expression && input.expression.length > 0) {
    out.location = [...input.expression];
    out.expression = [...input.expression];
  }
  return out;
}

export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/**
 * The one mapper from anything thrown to an HTTP status and OperationOutcome; `lang` 'da' gives the Danish text of
 * a message that has one (FhirErrorOptions.da), with the English text as its translation.
 */
export function errorToOutcome(err: unknown, lang: MessageLanguage = 'en'): { status: number; outcome: OperationOutcome } {
  if (err instanceof FhirError) {
    const primary = issue({
      severity: 'error',
      code: err.code,
      text: err.message,
      txIssueType: err.options.txIssueType,
      expression: err.options.expression,
      messageId: err.options.messageId,
    });
    if (err.options.da !== undefined) primary.details = { ...localizedDetails(err.message, err.options.da, lang), ...(primary.details?.coding ? { coding: primary.details.coding } : {}) };
    const extra = (lang === 'da' ? err.options.extraIssuesDa : undefined) ?? err.options.extraIssues ?? [];
    return { status: err.status, outcome: operationOutcome([primary, ...extra]) };
  }
  // Errors of the HTTP layer (e.g. a path that is not valid percent-encoding) carry a 4xx status of their own.
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const text = err instanceof URIError || (err as Error).name === 'URIError' ? 'The request path is not valid percent-encoded UTF-8' : 'The request could not be processed';
    return { status, outcome: operationOutcome([issue({ severity: 'error', code: 'invalid', text })]) };
  }
  return {
    status: 500,
    outcome: operationOutcome([issue({ severity: 'fatal', code: 'exception', text: 'Internal server error' })]),
  };
}

import type { OperationOutcome } from 'fhir/r4';
import { FhirError } from './fhir-error';
import { messageIssue, outcomeIssue, type Issue, type OperationOutcomeIssue } from './issue';
import type { MessageLanguage } from './message-language';

export { MESSAGE_ID_EXTENSION, TX_ISSUE_TYPE_SYSTEM, type OperationOutcomeIssue, type Severity } from './issue';

/** One OperationOutcome issue in the shape terminology clients expect (`outcomeIssue`, English text). */
export function issue(input: Issue): OperationOutcomeIssue {
  return outcomeIssue(input);
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
    return { status: err.status, outcome: operationOutcome([err.issue, ...err.options.extraIssues ?? []].map((i) => messageIssue(i, lang))) };
  }
  // A request whose resources nest deeper than the evaluation's stack (3,000 value sets each importing the next, a
  // 10,000-level hierarchy): the input's cost, as too-costly is, not a fault of the server
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    const text = {
      en: 'The request is too costly to answer: its resources nest too deeply (value sets importing value sets, maps naming other maps, a hierarchy)',
      da: 'Forespørgslen er for dyr at besvare: dens ressourcer er indlejret for dybt (værdisæt, der importerer værdisæt, mapninger, der henviser til andre, et hierarki)',
    };
    return { status: 422, outcome: operationOutcome([messageIssue({ severity: 'error', code: 'too-costly', text }, lang)]) };
  }
  // Errors of the HTTP layer (e.g. a path that is not valid percent-encoding) carry a 4xx status of their own.
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const text = err instanceof URIError || (err as Error).name === 'URIError'
      ? { en: 'The request path is not valid percent-encoded UTF-8', da: 'Forespørgslens sti er ikke gyldig procent-kodet UTF-8' }
      : { en: 'The request could not be processed', da: 'Forespørgslen kunne ikke behandles' };
    return { status, outcome: operationOutcome([messageIssue({ severity: 'error', code: 'invalid', text }, lang)]) };
  }
  return {
    status: 500,
    outcome: operationOutcome([issue({ severity: 'fatal', code: 'exception', text: 'Internal server error' })]),
  };
}

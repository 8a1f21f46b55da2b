import { bilingual, type Issue } from './issue';

/** FHIR OperationOutcome issue-type codes used by this server. */
export type IssueCode =
  | 'invalid' | 'structure' | 'required' | 'value' | 'invariant' | 'security' | 'login' | 'forbidden'
  | 'processing' | 'not-supported' | 'duplicate' | 'not-found' | 'conflict' | 'too-long' | 'too-costly'
  | 'code-invalid' | 'business-rule' | 'exception' | 'timeout' | 'throttled' | 'informational' | 'deleted'
  | 'incomplete' | 'lock-error' | 'transient' | 'invalid-code' | 'expired' | 'unknown' | 'multiple-matches'
  | 'suppressed' | 'extension' | 'no-store' | 'informational';

/** Codes of http://hl7.org/fhir/tools/CodeSystem/tx-issue-type. */
export type TxIssueType =
  | 'not-in-vs' | 'this-code-not-in-vs' | 'invalid-code' | 'invalid-display' | 'display-comment' | 'not-found'
  | 'code-rule' | 'vs-invalid' | 'status-check' | 'inactive-code' | 'cannot-infer' | 'process-note'
  | 'version-error' | 'unsupported' | 'code-comment' | 'invalid-data' | 'cache-id-unknown';

export interface FhirErrorOptions {
  txIssueType?: TxIssueType;
  expression?: readonly string[];
  messageId?: string;
  /** The message in Danish, given to callers whose Accept-Language asks for Danish (src/errors/message-language.ts). */
  da?: string;
  /** Additional issues reported together with the primary one (a Danish text, where they have one, as `da` asks). */
  extraIssues?: Issue[];
}

/** Error with V8's limit on the frames a new error collects (Node's types declare it; the web page's build has none). */
const V8_ERROR = Error as ErrorConstructor & { stackTraceLimit: number };

/**
 * The one error type of the server: an HTTP status, the OperationOutcome issue code and optionally the
 * terminology issue type. Everything thrown towards the HTTP edge is mapped from this.
 */
export class FhirError extends Error {
  readonly status: number;
  readonly code: IssueCode;
  readonly options: FhirErrorOptions;

  constructor(status: number, code: IssueCode, message: string, options: FhirErrorOptions = {}) {
    // A client's error is answered by its OperationOutcome, never logged with a stack: capturing one was ~10 µs of
    // every 4xx answer (a third of the handler's time for a client sending bad requests). 5xx keep theirs.
    const stackTraceLimit = V8_ERROR.stackTraceLimit;
    if (status < 500) V8_ERROR.stackTraceLimit = 0;
    super(message);
    V8_ERROR.stackTraceLimit = stackTraceLimit;
    this.name = 'FhirError';
    this.status = status;
    this.code = code;
    this.options = options;
  }

  /** The error as the issue its OperationOutcome leads with. */
  get issue(): Issue {
    const { txIssueType, expression, messageId, da } = this.options;
    return { severity: 'error', code: this.code, text: bilingual(this.message, da), txIssueType, expression, messageId };
  }

  static invalid(message: string, options?: FhirErrorOptions): FhirError {
    return new FhirError(400, 'invalid', message, options);
  }

  static notFound(message: string, options?: FhirErrorOptions): FhirError {
    return new FhirError(404, 'not-found', message, options);
  }

  static notSupported(message: string, options?: FhirErrorOptions): FhirError {
    return new FhirError(400, 'not-supported', message, options);
  }

  static tooCostly(message: string, options?: FhirErrorOptions): FhirError {
    return new FhirError(422, 'too-costly', message, options);
  }
}

/**
 * The Danish text of what was thrown, for a Danish sentence that says why: a FhirError's Danish text, when it has one;
 * undefined otherwise (another error's message is English, a library's own words, and stays in the English text).
 */
export function danishReason(e: unknown): string | undefined {
  return e instanceof FhirError ? e.options.da : undefined;
}

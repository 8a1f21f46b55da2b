import type { OperationOutcome } from 'fhir/r4';
import type { IssueCode, TxIssueType } from '../errors/fhir-error';
import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import { MESSAGE_ID_EXTENSION, TX_ISSUE_TYPE_SYSTEM } from '../errors/operation-outcome';

export type OutcomeIssue = OperationOutcome['issue'][number];
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** A human message in both languages of the service. */
export interface Bilingual {
  da: string;
  en: string;
}

export type Language = 'da' | 'en';

/** http://hl7.org/fhir/StructureDefinition/translation: the other language of a string, on its `_text` element. */
export const TRANSLATION_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/translation';

/** One issue found while validating a submission, before it is written in the caller's language. */
export interface ValidationIssue {
  severity: IssueSeverity;
  code: IssueCode;
  text: Bilingual;
  /** FHIRPath expressions of the elements the issue is about, e.g. `Bundle.entry[3].resource.code.coding[1]`. */
  expression: string[];
  txIssueType?: TxIssueType;
  /** A stable identifier of the rule (e.g. the invariant key), for clients that act on issues. */
  messageId?: string;
}

/**
 * The language the issue text is written in: English when the caller's first Accept-Language is English,
 * Danish otherwise (the catalogs and their users are Danish). The other language is always given as a translation.
 */
export function primaryLanguage(acceptLanguages: readonly string[]): Language {
  const first = acceptLanguages[0]?.toLowerCase();
  return first === 'en' || first?.startsWith('en-') ? 'en' : 'da';
}

/** Writes an issue as an OperationOutcome issue: text in the primary language, the other one as a translation. */
export function toOutcomeIssue(i: ValidationIssue, lang: Language): OutcomeIssue {
  const other: Language = lang === 'da' ? 'en' : 'da';
  const out: OutcomeIssue = { severity: i.severity, code: i.code as OutcomeIssue['code'] };
  if (i.messageId) out.extension = [{ url: MESSAGE_ID_EXTENSION, valueString: i.messageId }];
  out.details = {
    text: i.text[lang],
    _text: {
      extension: [{
        url: TRANSLATION_EXTENSION,
        extension: [{ url: 'lang', valueCode: other }, { url: 'content', valueString: i.text[other] }],
      }],
    },
  };
  if (i.txIssueType) out.details.coding = [{ system: TX_ISSUE_TYPE_SYSTEM, code: i.txIssueType }];
  if (i.expression.length > 0) {
    out.expression = [...i.expression];
    out.location = [...i.expression];
  }
  return out;
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

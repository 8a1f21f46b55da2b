import type { OperationOutcome } from 'fhir/r4';
import type { IssueCode, TxIssueType } from './fhir-error';

export type OperationOutcomeIssue = OperationOutcome['issue'][number];
export type Severity = OperationOutcomeIssue['severity'];

/** A human message in both languages of the service. */
export interface Bilingual {
  da: string;
  en: string;
}

export type Language = 'da' | 'en';

export const TX_ISSUE_TYPE_SYSTEM = 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type';
export const MESSAGE_ID_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id';
/** FHIR's extension for the line an issue is about (the line of an imported file, 1 = header). */
export const ISSUE_LINE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line';
/** http://hl7.org/fhir/StructureDefinition/translation: the other language of a string, on its `_text` element. */
export const TRANSLATION_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/translation';

/**
 * One issue, from where it is found (a terminology check, a write rule, a profile, a line of an imported file) to
 * the OperationOutcome: the one shape the server's layers hand issues on in, and `outcomeIssue` the one mapper.
 */
export interface Issue {
  severity: Severity;
  code: IssueCode;
  /** The text, or the text in both languages of the service (written in the caller's, the other as a translation). */
  text: string | Bilingual;
  /** http://hl7.org/fhir/tools/CodeSystem/tx-issue-type, for terminology clients. */
  txIssueType?: TxIssueType;
  /** FHIRPath expressions of the elements the issue is about. */
  expression?: readonly string[];
  /** A stable identifier of the rule or message, for clients that act on issues. */
  messageId?: string;
  /** The line of an imported file the issue is about (1 = header). */
  line?: number;
  diagnostics?: string;
}

/**
 * Writes an issue as an OperationOutcome issue (a bilingual text in `lang`, the other language as a translation);
 * `location` false leaves out the deprecated `location` (terminology answers give the `expression` only).
 */
export function outcomeIssue(i: Issue, lang: Language = 'en', location = true): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = { severity: i.severity, code: i.code as OperationOutcomeIssue['code'] };
  if (i.messageId) out.extension = [{ url: MESSAGE_ID_EXTENSION, valueString: i.messageId }];
  if (i.line !== undefined) (out.extension ??= []).push({ url: ISSUE_LINE_EXTENSION, valueInteger: i.line });
  if (typeof i.text === 'string') out.details = { text: i.text };
  else {
    const other: Language = lang === 'da' ? 'en' : 'da';
    out.details = { text: i.text[lang], _text: translation(other, i.text[other]) };
  }
  if (i.txIssueType) out.details.coding = [{ system: TX_ISSUE_TYPE_SYSTEM, code: i.txIssueType }];
  if (i.expression && i.expression.length > 0) {
    if (location) out.location = [...i.expression];
    out.expression = [...i.expression];
  }
  if (i.diagnostics !== undefined) out.diagnostics = i.diagnostics;
  return out;
}

/** A primitive's `_` element giving the text in another language (FHIR's translation extension). */
export function translation(lang: Language, content: string): { extension: NonNullable<OperationOutcomeIssue['extension']> } {
  return { extension: [{ url: TRANSLATION_EXTENSION, extension: [{ url: 'lang', valueCode: lang }, { url: 'content', valueString: content }] }] };
}

/** An issue's text in one language. */
export function issueText(i: Pick<Issue, 'text'>, lang: Language = 'en'): string {
  return typeof i.text === 'string' ? i.text : i.text[lang];
}

/** A message's text as a part of another sentence: without the full stop it ends with (the Danish texts have one). */
export function asClause(text: string): string {
  return text.endsWith('.') && !text.endsWith('..') ? text.slice(0, -1) : text;
}

/** A text in English, or in both languages when there is a Danish one. */
export function bilingual(en: string, da: string | undefined): string | Bilingual {
  return da === undefined ? en : { da, en };
}

/**
 * `outcomeIssue` as the server's messages (all but $validate's, src/profile-validation/messages.ts) are given: the
 * Danish text, with the English as its translation, to a caller who asks for Danish (`messageLanguage`); the English
 * text alone otherwise, as terminology clients and their test suites expect.
 */
export function messageIssue(i: Issue, lang: Language = 'en', location = true): OperationOutcomeIssue {
  return outcomeIssue(typeof i.text === 'object' && lang !== 'da' ? { ...i, text: i.text.en } : i, lang, location);
}

/**
 * A message given as a string value (a Parameters `message`) the way `messageIssue` gives texts: the Danish text with
 * the English as its translation (on `_valueString`) to a caller who asks for Danish, the English text alone otherwise.
 */
export function messageString(text: string | Bilingual, lang: Language = 'en'): { valueString: string; _valueString?: ReturnType<typeof translation> } {
  if (typeof text === 'string') return { valueString: text };
  if (lang !== 'da') return { valueString: text.en };
  return { valueString: text.da, _valueString: translation('en', text.en) };
}

/**
 * Appends `more` to `issues` one by one: `push(...more)` passes each as an argument, and a Bundle of 150,000 entries
 * has more issues than a call takes arguments (a RangeError).
 */
export function appendIssues<T>(issues: T[], more: readonly T[]): void {
  for (const issue of more) issues.push(issue);
}

import { FhirError, type FhirErrorOptions, type IssueCode } from '../../errors/fhir-error';
import type { Issue } from '../../errors/issue';

/**
 * The texts of validation issues. The wording follows the terminology messages used across the FHIR tooling (HL7's
 * validator and reference terminology servers), so that clients comparing results from several servers see the
 * same explanation for the same problem.
 */

function q(s: string | undefined): string {
  return `'${s ?? ''}'`;
}

/** A message: an issue's text and its id in the FHIR tooling's message catalogue (reported as operationoutcome-message-id). */
export type Message = Pick<Issue, 'messageId'> & { text: string };

function m(messageId: string | undefined, text: string): Message {
  return { messageId, text };
}

/** An HTTP error whose outcome carries the message's text and id. */
export function txError(status: number, code: IssueCode, message: Message, options: FhirErrorOptions = {}): FhirError {
  return new FhirError(status, code, message.text, { ...options, messageId: message.messageId });
}

export const msg = {
  unknownCode: (code: string, system: string, version?: string): Message =>
    m(version ? 'Unknown_Code_in_Version' : 'Unknown_Code_in', version
      ? `Unknown code ${q(code)} in the CodeSystem ${q(system)} version ${q(version)}`
      : `Unknown code ${q(code)} in the CodeSystem ${q(system)}`),
  unknownCodeInFragment: (code: string, system: string, version?: string): Message =>
    m('UNKNOWN_CODE_IN_FRAGMENT', `Unknown Code ${q(code)} in the CodeSystem ${q(system)} version ${q(version)} - note that the code system is labeled as a fragment, so the code may be valid in some other fragment`),
  unknownCodeSystem: (system: string): Message =>
    m('UNKNOWN_CODESYSTEM', `A definition for CodeSystem ${q(system)} could not be found, so the code cannot be validated`),
  unknownCodeSystemVersion: (system: string, version: string, known: string): Message =>
    m('UNKNOWN_CODESYSTEM_VERSION', `A definition for CodeSystem ${q(system)} version ${q(version)} could not be found, so the code cannot be validated. Valid versions: ${known}`),
  unknownCodeSystemVersionNone: (system: string, version: string): Message =>
    m('UNKNOWN_CODESYSTEM_VERSION_NONE', `A definition for CodeSystem ${q(system)} version ${q(version)} could not be found, so the code cannot be validated. No versions of this code system are known`),
  supplementAsSystem: (canonical: string): Message =>
    m('CODESYSTEM_CS_NO_SUPPLEMENT', `CodeSystem ${canonical} is a supplement, so can't be used as a value in Coding.system`),
  systemIsValueSet: (system: string): Message =>
    m('Terminology_TX_System_ValueSet2', `The Coding references a value set, not a code system (${q(system)})`),
  systemRelative: (): Message =>
    m('Terminology_TX_System_Relative', 'Coding.system must be an absolute reference, not a local reference'),
  noSystem: (): Message =>
    m('Coding_has_no_system__cannot_validate', 'Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided'),
  notInValueSet: (codes: string, vs: string): Message =>
    m('None_of_the_provided_codes_are_in_the_value_set_one', `The provided code ${codes} was not found in the value set ${q(vs)}`),
  noValidCoding: (vs: string): Message =>
    m('TX_GENERAL_CC_ERROR_MESSAGE', `No valid coding was found for the value set ${q(vs)}`),
  cannotInfer: (code: string, vs: string): Message =>
    m('UNABLE_TO_INFER_CODESYSTEM', `The System URI could not be determined for the code ${q(code)} in the ValueSet ${q(vs)}`),
  cannotInferMultiple: (code: string, vs: string, systems: string[]): Message =>
    m('Unable_to_resolve_system__value_set_has_multiple_matches', `The System URI could not be determined for the code ${q(code)} in the ValueSet ${q(vs)}: value set expansion has multiple matches: [${systems.join(', ')}]`),
  abstractCode: (system: string, code: string): Message =>
    m('ABSTRACT_CODE_NOT_ALLOWED', `Code '${system}#${code}' is abstract, and not allowed in this context`),
  notActive: (code: string): Message =>
    m('STATUS_CODE_WARNING_CODE', `The concept ${q(code)} is valid but is not active`),
  inactiveConcept: (status: string, code: string): Message =>
    m('INACTIVE_CONCEPT_FOUND', `The concept ${q(code)} has a status of ${status} and its use should be reviewed`),
  inactiveConceptAdd: (status: string, code: string): Message =>
    m('INACTIVE_CONCEPT_FOUND', `The concept ${q(code)} has a status of ${status} and inactive and its use should be reviewed`),
  deprecatedConcept: (code: string): Message =>
    m('DEPRECATED_CONCEPT_FOUND', `The concept ${q(code)} is deprecated and its use should be reviewed`),
  deprecatedInValueSet: (system: string, code: string, status: string, vs: string): Message =>
    m('CONCEPT_DEPRECATED_IN_VALUESET', `The presence of the concept ${q(code)} in the system ${q(system)} in the value set ${vs} is marked with a status of ${status} and its use should be reviewed`),
  caseDifference: (code: string, correct: string, cs: string): Message =>
    m('CODE_CASE_DIFFERENCE', `The code ${q(code)} differs from the correct code ${q(correct)} by case. Although the code system ${q(cs)} is case insensitive, implementers are strongly encouraged to use the correct case anyway`),
  wrongDisplay: (display: string, system: string, code: string, valid: string, count: number, langs: string, whitespace: boolean): Message => {
    const what = whitespace ? 'Wrong whitespace in Display Name' : 'Wrong Display Name';
    const choices = count > 1 ? `one of ${count} choices: ` : '';
    return m(whitespace ? 'Display_Name_WS_for__should_be_one_of__instead_of' : 'Display_Name_for__should_be_one_of__instead_of', `${what} ${q(display)} for ${system}#${code}. Valid display is ${choices}${valid} (for the language(s) ${q(langs)})`);
  },
  canonicalFormMismatch: (code: string, actual: string, required: string): Message =>
    m(undefined, `Code ${code} has canonical form ${actual}, not ${required} as required`),
  displayNotFixed: (display: string, system: string, code: string, known: string, count: number, langs: string): Message =>
    m('Display_Name_Not_Fixed_use_Supplement', `The display name ${q(display)} is not a known display name for ${system}#${code}. ` +
      `${count > 1 ? 'Known displays are' : 'Known display is'} ${known} (for the language(s) ${q(langs)}). Use a supplement to define displays for user assigned codes`),
  noDisplayForLanguageError: (display: string, system: string, code: string, langs: string, defaultDisplay: string): Message =>
    m('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR', `Wrong Display Name ${q(display)} for ${system}#${code}. There are no valid display names found for language(s) ${q(langs)}. Default display is ${q(defaultDisplay)}`),
  noDisplayForLanguageOk: (display: string, system: string, code: string, langs: string): Message =>
    m('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK', `There are no valid display names found for the code ${system}#${code} for language(s) ${q(langs)}. The display is ${q(display)} which is a valid display for the default language`),
  noDisplayAtAll: (display: string, system: string, code: string): Message =>
    m('NO_VALID_DISPLAY_AT_ALL', `Wrong Display Name ${q(display)} for ${system}#${code}. There are no valid display names found for this concept`),
  inactiveDisplay: (display: string, code: string, valid: string[], status: string): Message =>
    m('INACTIVE_DISPLAY_FOUND', `${q(display)} is no longer considered a correct display for code ${q(code)} (status = ${status}). The correct display is one of "${valid.join(',')}".`),
  versionMismatch: (system: string, vsVersion: string, codingVersion: string): Message =>
    m('VALUESET_VALUE_MISMATCH', `The code system ${q(system)} version ${q(vsVersion)} in the ValueSet include is different to the one in the value (${q(codingVersion)})`),
  versionMismatchChanged: (system: string, result: string, vsVersion: string, codingVersion: string): Message =>
    m('VALUESET_VALUE_MISMATCH_CHANGED', `The code system ${q(system)} version ${q(result)} resulting from the version ${q(vsVersion)} in the ValueSet include is different to the one in the value (${q(codingVersion)})`),
  versionMismatchDefault: (system: string, csVersion: string, codingVersion: string): Message =>
    m('VALUESET_VALUE_MISMATCH_DEFAULT', `The code system ${q(system)} version ${q(csVersion)} for the versionless include in the ValueSet include is different to the one in the value (${q(codingVersion)})`),
  versionCheck: (system: string, version: string, required: string): Message =>
    m('VALUESET_VERSION_CHECK', `The version ${q(version)} is not allowed for system ${q(system)}: required to be ${q(required)} by a version-check parameter`),
  valueSetNotFound: (canonical: string): Message =>
    m('Unable_to_resolve_value_Set_', `A definition for the value Set ${q(canonical)} could not be found`),
  supplementMissing: (urls: string[]): Message =>
    m('VALUESET_SUPPLEMENT_MISSING', urls.length === 1 ? `Required supplement not found: ${urls[0]}` : `Required supplements not found: ${urls.join(',')}`),
  valueSetSupplementUnknown: (supplement: string, system: string): Message =>
    m(undefined, `ValueSet depends on supplement ${q(supplement)} on ${system} that is not known`),
  filterWithoutValue: (system: string, property: string, op: string): Message =>
    m('UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE', `The system ${system} filter with property = ${property}, op = ${op} has no value`),
  filterNotUnderstood: (property: string, op: string, value: string, vs: string, system: string): Message =>
    m('FILTER_NOT_UNDERSTOOD', `The filter "${property} ${op} ${value}" from the value set ${vs} was not understood in the context of ${system}`),
  circularReference: (vs: string, pathway: string[]): Message =>
    m('VALUESET_CIRCULAR_REFERENCE', `Found a circularity pointing to ${vs} processing ValueSet with pathway [${pathway.join(', ')}]`),
  statusReference: (status: string, type: string, canonical: string): Message => m(`MSG_${status.toUpperCase()}`, `Reference to ${status} ${type} ${canonical}`),
  incompleteSystem: (system: string, code: string, display: string | undefined, mode: string): Message =>
    m(undefined, `The system ${system} was found but did not contain enough information to properly validate the code "${code}" ("${display ?? ''}") (mode = ${mode})`),
  legacyKey: (code: string, system: string, replacement: string, display?: string): Message =>
    m(undefined, `The code ${q(code)} is a legacy key of ${system}; use the code ${q(replacement)}${display ? ` (${display})` : ''} instead`),
  replacedBy: (named: string) => `; it is replaced by ${named}`,
};

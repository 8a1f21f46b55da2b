import type { ValueSet } from 'fhir/r4';
import { FhirError, type FhirErrorOptions, type IssueCode } from '../../errors/fhir-error';
import type { Bilingual, Issue } from '../../errors/issue';
import { canonical } from '../canonical';
import { statusNameDa } from '../status-name';
import { presentVersionList } from '../versions';

/**
 * The texts of validation issues. The wording follows the terminology messages used across the FHIR tooling (HL7's
 * validator and reference terminology servers), so that clients comparing results from several servers see the
 * same explanation for the same problem.
 */

function q(s: string | undefined): string {
  return `'${s ?? ''}'`;
}

/** Alternatives as a sentence lists them: `'a', 'b' or 'c'` (`eller` in Danish). */
function alternatives(items: readonly string[], or: string): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${or} ${items[items.length - 1]}`;
}

/**
 * A message: an issue's text in English (the FHIR tooling's wording, which terminology clients and their test suites
 * compare) and in Danish (for a caller who asks for Danish, src/errors/message-language.ts), and its id in the FHIR
 * tooling's message catalogue (reported as operationoutcome-message-id).
 */
export type Message = Pick<Issue, 'messageId'> & { text: Bilingual };

function m(messageId: string | undefined, en: string, da: string): Message {
  return { messageId, text: { en, da } };
}

/** An HTTP error whose outcome carries the message's text (Danish to a caller who asks for it) and id. */
export function txError(status: number, code: IssueCode, message: Message, options: FhirErrorOptions = {}): FhirError {
  return new FhirError(status, code, message.text.en, { ...options, messageId: message.messageId, da: message.text.da });
}

/** Two messages' texts one after the other (a message and a note added to it). */
export function withSuffix(message: Message, suffix: Bilingual | undefined): Message {
  return suffix ? { ...message, text: { en: message.text.en + suffix.en, da: message.text.da + suffix.da } } : message;
}

/** The Danish name of a terminology resource type, with its definite article (`kodesystemet`); `capital` starts a sentence. */
export function typeNameDa(type: string, capital = false): string {
  const name = type === 'CodeSystem' ? 'kodesystemet' : type === 'ValueSet' ? 'værdisættet' : type;
  return capital ? name[0]!.toUpperCase() + name.slice(1) : name;
}

/**
 * How a message names a value set: by its canonical; without a url (one given in the request) by its id, or as the
 * value set given in the request.
 */
function valueSetNamed(vs: ValueSet): { en: string; da: string } {
  if (vs.url) return { en: `the value set ${q(canonical(vs.url, vs.version))}`, da: `værdisættet ${q(canonical(vs.url, vs.version))}` };
  if (vs.id) return { en: `the value set with id ${q(vs.id)} (it has no url)`, da: `værdisættet med id ${q(vs.id)} (uden url)` };
  return { en: 'the value set given in the request', da: 'værdisættet i forespørgslen' };
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * How the messages of code validation name the value set checked against: in English its canonical, or
 * '(unidentified)' without a url (the FHIR tooling's word, which terminology clients compare); in Danish as
 * `valueSetNamed` does (`værdisættet i forespørgslen`).
 */
function checkedValueSet(vs: ValueSet): { en: string; da: string } {
  return { en: vs.url ? canonical(vs.url, vs.version) : '(unidentified)', da: valueSetNamed(vs).da };
}

export const msg = {
  unknownCode: (code: string, system: string, version?: string): Message =>
    m(version ? 'Unknown_Code_in_Version' : 'Unknown_Code_in', version
      ? `Unknown code ${q(code)} in the CodeSystem ${q(system)} version ${q(version)}`
      : `Unknown code ${q(code)} in the CodeSystem ${q(system)}`,
    `Ukendt kode ${q(code)} i kodesystemet ${q(system)}${version ? ` version ${q(version)}` : ''}`),
  /**
   * A code not found in a code system that does not claim to hold all its codes (content other than complete): a
   * warning, since the code may be valid. HL7's text speaks of a fragment; another content mode is named as it is.
   */
  unknownCodeInFragment: (code: string, system: string, version: string | undefined, content: string | undefined): Message => {
    const unknown = { en: `Unknown Code ${q(code)} in the CodeSystem ${q(system)} version ${q(version)}`, da: `Ukendt kode ${q(code)} i kodesystemet ${q(system)} version ${q(version)}` };
    if (content === 'fragment' || content === undefined) {
      return m('UNKNOWN_CODE_IN_FRAGMENT', `${unknown.en} - note that the code system is labeled as a fragment, so the code may be valid in some other fragment`,
        `${unknown.da} – kodesystemet er markeret som et fragment, så koden kan være gyldig i et andet fragment`);
    }
    if (content === 'example') {
      return m('UNKNOWN_CODE_IN_FRAGMENT', `${unknown.en} - note that the code system is labeled as an example (content = example), so the code may be valid in the full code system`,
        `${unknown.da} – kodesystemet er markeret som et eksempel (content = example), så koden kan være gyldig i det fulde kodesystem`);
    }
    return m('UNKNOWN_CODE_IN_FRAGMENT', `${unknown.en} - note that the code system's content is labeled as ${q(content)}, not complete, so the code may be valid in the full code system`,
      `${unknown.da} – kodesystemets indhold er markeret som ${q(content)}, ikke komplet, så koden kan være gyldig i det fulde kodesystem`);
  },
  unknownCodeSystem: (system: string): Message =>
    m('UNKNOWN_CODESYSTEM', `A definition for CodeSystem ${q(system)} could not be found, so the code cannot be validated`,
      `Kodesystemet ${q(system)} kendes ikke, så koden kan ikke valideres`),
  unknownCodeSystemVersion: (system: string, version: string, known: readonly string[]): Message =>
    m('UNKNOWN_CODESYSTEM_VERSION', `A definition for CodeSystem ${q(system)} version ${q(version)} could not be found, so the code cannot be validated. Valid versions: ${presentVersionList(known)}`,
      `Kodesystemet ${q(system)} version ${q(version)} kendes ikke, så koden kan ikke valideres. Kendte versioner: ${presentVersionList(known, 'da')}`),
  unknownCodeSystemVersionNone: (system: string, version: string): Message =>
    m('UNKNOWN_CODESYSTEM_VERSION_NONE', `A definition for CodeSystem ${q(system)} version ${q(version)} could not be found, so the code cannot be validated. No versions of this code system are known`,
      `Kodesystemet ${q(system)} version ${q(version)} kendes ikke, så koden kan ikke valideres. Der kendes ingen versioner af kodesystemet`),
  supplementAsSystem: (canonical: string): Message =>
    m('CODESYSTEM_CS_NO_SUPPLEMENT', `CodeSystem ${canonical} is a supplement, so can't be used as a value in Coding.system`,
      `Kodesystemet ${canonical} er et supplement og kan derfor ikke bruges som værdi i Coding.system`),
  systemIsValueSet: (system: string): Message =>
    m('Terminology_TX_System_ValueSet2', `The Coding references a value set, not a code system (${q(system)})`,
      `Kodningen henviser til et værdisæt, ikke et kodesystem (${q(system)})`),
  systemRelative: (): Message =>
    m('Terminology_TX_System_Relative', 'Coding.system must be an absolute reference, not a local reference',
      'Coding.system skal være en absolut reference, ikke en lokal reference'),
  noSystem: (): Message =>
    m('Coding_has_no_system__cannot_validate', 'Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided',
      'Kodningen har intet kodesystem. En kode uden kodesystem har ingen defineret betydning og kan ikke valideres. Angiv kodesystemet (system)'),
  noCode: (system: string | undefined): Message =>
    m(undefined, system ? `Coding has no code for system ${system} and cannot be validated` : 'Coding has no code and cannot be validated',
      system ? `Kodningen har ingen kode i kodesystemet ${system} og kan ikke valideres` : 'Kodningen har ingen kode og kan ikke valideres'),
  notInValueSet: (codes: string, valueSet: ValueSet): Message => {
    const vs = checkedValueSet(valueSet);
    return m('None_of_the_provided_codes_are_in_the_value_set_one', `The provided code ${codes} was not found in the value set ${q(vs.en)}`,
      `Koden ${codes} findes ikke i ${vs.da}`);
  },
  noValidCoding: (valueSet: ValueSet): Message => {
    const vs = checkedValueSet(valueSet);
    return m('TX_GENERAL_CC_ERROR_MESSAGE', `No valid coding was found for the value set ${q(vs.en)}`,
      `Ingen gyldig kodning fundet for ${vs.da}`);
  },
  cannotInfer: (code: string, valueSet: ValueSet): Message => {
    const vs = checkedValueSet(valueSet);
    return m('UNABLE_TO_INFER_CODESYSTEM', `The System URI could not be determined for the code ${q(code)} in the ValueSet ${q(vs.en)}`,
      `Kodesystemet for koden ${q(code)} kunne ikke bestemmes i ${vs.da}`);
  },
  cannotInferMultiple: (code: string, valueSet: ValueSet, systems: string[]): Message => {
    const vs = checkedValueSet(valueSet);
    return m('Unable_to_resolve_system__value_set_has_multiple_matches', `The System URI could not be determined for the code ${q(code)} in the ValueSet ${q(vs.en)}: value set expansion has multiple matches: [${systems.join(', ')}]`,
      `Kodesystemet for koden ${q(code)} kunne ikke bestemmes i ${vs.da}: koden findes i flere kodesystemer i værdisættet: [${systems.join(', ')}]`);
  },
  abstractCode: (system: string, code: string): Message =>
    m('ABSTRACT_CODE_NOT_ALLOWED', `Code '${system}#${code}' is abstract, and not allowed in this context`,
      `Koden '${system}#${code}' er abstrakt og må ikke bruges her`),
  notActive: (code: string): Message =>
    m('STATUS_CODE_WARNING_CODE', `The concept ${q(code)} is valid but is not active`,
      `Begrebet ${q(code)} er gyldigt, men ikke aktivt`),
  inactiveConcept: (status: string, code: string): Message =>
    m('INACTIVE_CONCEPT_FOUND', `The concept ${q(code)} has a status of ${status} and its use should be reviewed`,
      `Begrebet ${q(code)} har status ${statusNameDa(status)}, og brugen bør revurderes`),
  inactiveConceptAdd: (status: string, code: string): Message =>
    m('INACTIVE_CONCEPT_FOUND', `The concept ${q(code)} has a status of ${status} and inactive and its use should be reviewed`,
      `Begrebet ${q(code)} har status ${statusNameDa(status)} og er inaktivt, og brugen bør revurderes`),
  deprecatedConcept: (code: string): Message =>
    m('DEPRECATED_CONCEPT_FOUND', `The concept ${q(code)} is deprecated and its use should be reviewed`,
      `Begrebet ${q(code)} har status ${statusNameDa('deprecated')}, og brugen bør revurderes`),
  deprecatedInValueSet: (system: string, code: string, status: string, valueSet: ValueSet): Message => {
    const vs = checkedValueSet(valueSet);
    return m('CONCEPT_DEPRECATED_IN_VALUESET', `The presence of the concept ${q(code)} in the system ${q(system)} in the value set ${vs.en} is marked with a status of ${status} and its use should be reviewed`,
      `Begrebet ${q(code)} fra kodesystemet ${q(system)} har status ${statusNameDa(status)} i ${vs.da}, og brugen bør revurderes`);
  },
  caseDifference: (code: string, correct: string, cs: string): Message =>
    m('CODE_CASE_DIFFERENCE', `The code ${q(code)} differs from the correct code ${q(correct)} by case. Although the code system ${q(cs)} is case insensitive, implementers are strongly encouraged to use the correct case anyway`,
      `Koden ${q(code)} afviger fra den korrekte kode ${q(correct)} i store og små bogstaver. Kodesystemet ${q(cs)} skelner ikke mellem store og små bogstaver, men brug alligevel den korrekte skrivemåde`),
  wrongDisplay: (display: string, system: string, code: string, valid: string[], count: number, langs: string, whitespace: boolean): Message => {
    const what = whitespace ? 'Wrong whitespace in Display Name' : 'Wrong Display Name';
    const choices = count > 1 ? `one of ${count} choices: ` : '';
    return m(whitespace ? 'Display_Name_WS_for__should_be_one_of__instead_of' : 'Display_Name_for__should_be_one_of__instead_of', `${what} ${q(display)} for ${system}#${code}. Valid display is ${choices}${alternatives(valid, 'or')} (for the language(s) ${q(langs)})`,
      `${whitespace ? 'Forkerte mellemrum i visningsnavnet' : 'Forkert visningsnavn'} ${q(display)} for ${system}#${code}. ` +
      `Gyldigt visningsnavn er ${count > 1 ? `en af ${count} muligheder: ` : ''}${alternatives(valid, 'eller')} (for sproget/sprogene ${q(langs)})`);
  },
  languageTagRepeats: (tag: string, part: 'variant' | 'extension', subtag: string): Message => part === 'variant'
    ? m(undefined, `The language tag ${q(tag)} is not valid: the variant ${q(subtag)} appears more than once (RFC 5646 §2.2.5)`,
      `Sprogkoden ${q(tag)} er ikke gyldig: varianten ${q(subtag)} forekommer mere end én gang (RFC 5646 §2.2.5)`)
    : m(undefined, `The language tag ${q(tag)} is not valid: the extension ${q(subtag)} appears more than once (RFC 5646 §2.2.6)`,
      `Sprogkoden ${q(tag)} er ikke gyldig: udvidelsen ${q(subtag)} forekommer mere end én gang (RFC 5646 §2.2.6)`),
  canonicalFormMismatch: (code: string, actual: string, required: string): Message =>
    m(undefined, `Code ${code} has canonical form ${actual}, not ${required} as required`,
      `Koden ${code} har den kanoniske form ${actual}, ikke ${required} som krævet`),
  displayNotFixed: (display: string, system: string, code: string, known: string[], count: number, langs: string): Message =>
    m('Display_Name_Not_Fixed_use_Supplement', `The display name ${q(display)} is not a known display name for ${system}#${code}. ` +
      `${count > 1 ? 'Known displays are' : 'Known display is'} ${alternatives(known, 'or')} (for the language(s) ${q(langs)}). Use a supplement to define displays for user assigned codes`,
    `Visningsnavnet ${q(display)} er ikke et kendt visningsnavn for ${system}#${code}. ` +
      `${count > 1 ? 'Kendte visningsnavne er' : 'Kendt visningsnavn er'} ${alternatives(known, 'eller')} (for sproget/sprogene ${q(langs)}). Definér visningsnavne for brugertildelte koder i et supplement`),
  noDisplayForLanguageError: (display: string, system: string, code: string, langs: string, defaultDisplay: string): Message =>
    m('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR', `Wrong Display Name ${q(display)} for ${system}#${code}. There are no valid display names found for language(s) ${q(langs)}. Default display is ${q(defaultDisplay)}`,
      `Forkert visningsnavn ${q(display)} for ${system}#${code}. Der findes ingen gyldige visningsnavne på sproget/sprogene ${q(langs)}. Standardvisningsnavnet er ${q(defaultDisplay)}`),
  noDisplayForLanguageOk: (display: string, system: string, code: string, langs: string): Message =>
    m('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK', `There are no valid display names found for the code ${system}#${code} for language(s) ${q(langs)}. The display is ${q(display)} which is a valid display for the default language`,
      `Der findes ingen gyldige visningsnavne for koden ${system}#${code} på sproget/sprogene ${q(langs)}. Visningsnavnet ${q(display)} er gyldigt på standardsproget`),
  noDisplayAtAll: (display: string, system: string, code: string): Message =>
    m('NO_VALID_DISPLAY_AT_ALL', `Wrong Display Name ${q(display)} for ${system}#${code}. There are no valid display names found for this concept`,
      `Forkert visningsnavn ${q(display)} for ${system}#${code}. Begrebet har ingen gyldige visningsnavne`),
  inactiveDisplay: (display: string, code: string, valid: string[], status: string): Message =>
    m('INACTIVE_DISPLAY_FOUND', `${q(display)} is no longer considered a correct display for code ${q(code)} (status = ${status}). The correct display is one of "${valid.join(',')}".`,
      `${q(display)} er ikke længere et korrekt visningsnavn for koden ${q(code)} (status: ${statusNameDa(status)}). Det korrekte visningsnavn er et af "${valid.join(',')}".`),
  versionMismatch: (system: string, vsVersion: string, codingVersion: string): Message =>
    m('VALUESET_VALUE_MISMATCH', `The code system ${q(system)} version ${q(vsVersion)} in the ValueSet include is different to the one in the value (${q(codingVersion)})`,
      `Kodesystemet ${q(system)} version ${q(vsVersion)} i værdisættets include er en anden version end den i værdien (${q(codingVersion)})`),
  versionMismatchChanged: (system: string, result: string, vsVersion: string, codingVersion: string): Message =>
    m('VALUESET_VALUE_MISMATCH_CHANGED', `The code system ${q(system)} version ${q(result)} resulting from the version ${q(vsVersion)} in the ValueSet include is different to the one in the value (${q(codingVersion)})`,
      `Kodesystemet ${q(system)} version ${q(result)}, som versionen ${q(vsVersion)} i værdisættets include giver, er en anden version end den i værdien (${q(codingVersion)})`),
  versionMismatchDefault: (system: string, csVersion: string, codingVersion: string): Message =>
    m('VALUESET_VALUE_MISMATCH_DEFAULT', `The code system ${q(system)} version ${q(csVersion)} for the versionless include in the ValueSet include is different to the one in the value (${q(codingVersion)})`,
      `Kodesystemet ${q(system)} version ${q(csVersion)} for værdisættets include uden version er en anden version end den i værdien (${q(codingVersion)})`),
  versionCheck: (system: string, version: string, required: string): Message =>
    m('VALUESET_VERSION_CHECK', `The version ${q(version)} is not allowed for system ${q(system)}: required to be ${q(required)} by a version-check parameter`,
      `Versionen ${q(version)} er ikke tilladt for kodesystemet ${q(system)}: en check-version-parameter kræver ${q(required)}`),
  valueSetNotFound: (canonical: string): Message =>
    m('Unable_to_resolve_value_Set_', `A definition for the value Set ${q(canonical)} could not be found`,
      `Værdisættet ${q(canonical)} kendes ikke`),
  supplementMissing: (urls: string[]): Message =>
    m('VALUESET_SUPPLEMENT_MISSING', urls.length === 1 ? `Required supplement not found: ${urls[0]}` : `Required supplements not found: ${urls.join(', ')}`,
      urls.length === 1 ? `Det påkrævede supplement findes ikke: ${urls[0]}` : `De påkrævede supplementer findes ikke: ${urls.join(', ')}`),
  /** A required supplement that is known but supplements another code system than those the request used (HL7 has no message for it). */
  supplementForOtherSystem: (supplement: string, supplements: string, used: readonly string[]): Message => {
    const list = used.map(q).join(', ');
    return m(undefined, `The supplement ${q(supplement)} supplements the code system ${q(supplements)}, ` +
      (used.length === 0 ? 'which this request does not use' : used.length === 1 ? `not ${list}` : `not any of ${list}`),
    `Supplementet ${q(supplement)} supplerer kodesystemet ${q(supplements)}, ` +
      (used.length === 0 ? 'som denne forespørgsel ikke bruger' : used.length === 1 ? `ikke ${list}` : `ikke nogen af ${list}`));
  },
  valueSetSupplementUnknown: (supplement: string, system: string): Message =>
    m(undefined, `ValueSet depends on supplement ${q(supplement)} on ${system} that is not known`,
      `Værdisættet bruger supplementet ${q(supplement)} til ${system}, som ikke kendes`),
  /**
   * A value set whose expansion has more codes than the limit (`paging`: the Danish text says how to page). A value set
   * without a url (one given in the request) is named by its id, or as the value set given in the request.
   */
  valueSetTooCostly: (vs: ValueSet, limit: number, paging = false): Message => {
    const named = vs.url
      ? { en: `The value set ${q(canonical(vs.url, vs.version))} expansion has`, da: `Værdisættet ${q(canonical(vs.url, vs.version))} har` }
      : { en: `The expansion of ${valueSetNamed(vs).en} has`, da: `${capitalised(valueSetNamed(vs).da)} har` };
    return m('VALUESET_TOO_COSTLY', `${named.en} too many codes to produce (>${limit})`,
      `${named.da} for mange koder til at blive udfoldet (>${limit})${paging ? '; brug count og offset for at hente dem i dele' : ''}`);
  },
  filterWithoutValue: (system: string, property: string, op: string): Message =>
    m('UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE', `The system ${system} filter with property = ${property}, op = ${op} has no value`,
      `Filteret på kodesystemet ${system} med property = ${property}, op = ${op} har ingen værdi`),
  filterNotBoolean: (property: string, value: string): Message =>
    m('VALUESET_BAD_FILTER_VALUE_BOOLEAN', `The value for a filter based on property ${q(property)} must be either 'true' or 'false', not ${q(value)}`,
      `Værdien af et filter på egenskaben ${q(property)} skal være 'true' eller 'false', ikke ${q(value)}`),
  lockedDateNotDate: (vs: ValueSet, value: string): Message =>
    m(undefined, `The lockedDate of ${valueSetNamed(vs).en} must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not ${q(value)}`,
      `lockedDate i ${valueSetNamed(vs).da} skal være en dato (ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD), ikke ${q(value)}`),
  notInForceOnLockedDate: (type: 'CodeSystem' | 'ValueSet', url: string, vs: ValueSet, lockedDate: string, known: readonly string[]): Message =>
    m(undefined, `No version of the ${type} ${q(url)} was in force on ${q(lockedDate)} (the lockedDate of ${valueSetNamed(vs).en}), so the value set cannot be used`
      + `. Versions known (with their date): ${known.join(', ')}`,
    `Ingen version af ${typeNameDa(type)} ${q(url)} var gældende ${q(lockedDate)} (lockedDate i ${valueSetNamed(vs).da}), så værdisættet kan ikke bruges`
      + `. Kendte versioner (med deres dato): ${known.join(', ')}`),
  notInForceOnDate: (type: 'CodeSystem' | 'ValueSet', url: string, date: string, known: readonly string[]): Message =>
    m(undefined, `No version of the ${type} ${q(url)} was in force on ${q(date)}, the date asked for. Versions known (with their date): ${known.join(', ')}`,
      `Ingen version af ${typeNameDa(type)} ${q(url)} var gældende ${q(date)}, den dato der blev spurgt om. Kendte versioner (med deres dato): ${known.join(', ')}`),
  filterNotUnderstood: (system: string, property: string, op: string, value: string): Message =>
    m('FILTER_NOT_UNDERSTOOD', `The filter "${property} ${op} ${value}" was not understood in the context of ${system}`,
      `Filteret "${property} ${op} ${value}" kan ikke forstås for kodesystemet ${system}: egenskaben ${q(property)} er ikke defineret`),
  circularReference: (vs: string, pathway: string[]): Message =>
    m('VALUESET_CIRCULAR_REFERENCE', `Found a circularity pointing to ${vs} processing ValueSet with pathway [${pathway.join(', ')}]`,
      `Værdisættene henviser i ring til ${vs} (vejen gennem værdisættene: [${pathway.join(', ')}])`),
  statusReference: (status: string, type: string, canonical: string): Message =>
    m(`MSG_${status.toUpperCase()}`, `Reference to ${status} ${type} ${canonical}`, `Henvisning til ${typeNameDa(type)} ${canonical}, som har status ${statusNameDa(status)}`),
  incompleteSystem: (system: string, code: string, display: string | undefined, mode: string): Message =>
    m(undefined, `The system ${system} was found but did not contain enough information to properly validate the code "${code}" ("${display ?? ''}") (mode = ${mode})`,
      `Kodesystemet ${system} findes, men indeholder ikke nok til at validere koden "${code}" ("${display ?? ''}") fuldt ud (mode = ${mode})`),
  legacyKey: (code: string, system: string, replacement: string, display?: string): Message =>
    m(undefined, `The code ${q(code)} is a legacy key of ${system}; use the code ${q(replacement)}${display ? ` (${display})` : ''} instead`,
      `Koden ${q(code)} er en gammel brugervendt nøgle i ${system}; brug i stedet koden ${q(replacement)}${display ? ` (${display})` : ''}`),
  replacedBy: (named: string): Bilingual => ({ en: `; it is replaced by ${named}`, da: `; det er erstattet af ${named}` }),
};

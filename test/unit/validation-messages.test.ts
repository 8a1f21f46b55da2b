import type { Bilingual } from '../../src/errors/issue';
import { msg, type Message } from '../../src/terminology/validation/messages';

/**
 * The catalogue of code validation's messages: each in English (the FHIR tooling's wording) and in Danish, for a
 * caller who asks for Danish. Each entry is called with sample values; an entry without samples here fails the test.
 */
type Samples = { [K in keyof typeof msg]: Parameters<(typeof msg)[K]> };

const VS = { resourceType: 'ValueSet', status: 'active', url: 'http://vs' } as const;

const samples: Samples = {
  unknownCode: ['c', 'http://s', '1'],
  unknownCodeInFragment: ['c', 'http://s', '1', 'example'],
  unknownCodeSystem: ['http://s'],
  unknownCodeSystemVersion: ['http://s', '3', ['1', '2']],
  unknownCodeSystemVersionNone: ['http://s', '3'],
  supplementAsSystem: ['http://s|1'],
  systemIsValueSet: ['http://vs'],
  systemRelative: [],
  noSystem: [],
  noCode: ['http://s'],
  notInValueSet: ["'http://s#c'", VS],
  noValidCoding: [VS],
  cannotInfer: ['c', VS],
  cannotInferMultiple: ['c', VS, ['http://a', 'http://b']],
  abstractCode: ['http://s', 'c'],
  notActive: ['c'],
  inactiveConcept: ['inactive', 'c'],
  inactiveConceptAdd: ['retired', 'c'],
  deprecatedConcept: ['c'],
  deprecatedInValueSet: ['http://s', 'c', 'deprecated', VS],
  caseDifference: ['C', 'c', 'http://s'],
  wrongDisplay: ['d', 'http://s', 'c', ["'e'", "'f'"], 2, 'da', false],
  languageTagRepeats: ['de-1996-1996', 'variant', '1996'],
  canonicalFormMismatch: ['c', 'kg', 'g'],
  displayNotFixed: ['d', 'http://s', 'c', ["'e'"], 1, 'da'],
  noDisplayForLanguageError: ['d', 'http://s', 'c', 'da', 'e'],
  noDisplayForLanguageOk: ['d', 'http://s', 'c', 'da'],
  noDisplayAtAll: ['d', 'http://s', 'c'],
  inactiveDisplay: ['d', 'c', ['e', 'f'], 'inactive'],
  versionMismatch: ['http://s', '1', '2'],
  versionMismatchChanged: ['http://s', '1', '1.0', '2'],
  versionMismatchDefault: ['http://s', '1', '2'],
  versionCheck: ['http://s', '1', '2'],
  valueSetNotFound: ['http://vs'],
  supplementMissing: [['http://sup']],
  supplementForOtherSystem: ['http://sup', 'http://other|1', ['http://s|2']],
  valueSetSupplementUnknown: ['http://sup', 'http://s'],
  valueSetTooCostly: [{ resourceType: 'ValueSet', status: 'active', id: 'v' }, 100, true],
  filterWithoutValue: ['http://s', 'concept', 'is-a'],
  filterNotBoolean: ['inactive', 'maybe'],
  lockedDateNotDate: [{ resourceType: 'ValueSet', status: 'active', url: 'http://vs' }, '2021-13'],
  notInForceOnLockedDate: ['CodeSystem', 'http://s', { resourceType: 'ValueSet', status: 'active', url: 'http://vs' }, '2019', ['1 (2020-01-01)', '2 (2025-01-01)']],
  notInForceOnDate: ['ValueSet', 'http://vs', '2019', ['1 (2020-01-01)', '2 (2025-01-01)']],
  filterNotUnderstood: ['http://s', 'flavour', '=', 'x'],
  circularReference: ['http://vs', ['http://a', 'http://vs']],
  statusReference: ['retired', 'CodeSystem', 'http://s|1'],
  incompleteSystem: ['http://s', 'c', 'd', 'example'],
  legacyKey: ['c', 'http://s', 'u', 'U'],
  replacedBy: ["'u' (U)"],
};

describe('the messages of code validation', () => {
  it.each(Object.keys(msg) as (keyof typeof msg)[])('%s has a Danish text, not the English one', (name) => {
    const made = (msg[name] as (...args: unknown[]) => Message | Bilingual)(...(samples[name] as unknown[]));
    const text = 'text' in made ? made.text : made;
    expect(text.en.trim()).not.toBe('');
    expect(text.da.trim()).not.toBe('');
    expect(text.da).not.toContain(text.en);
  });

  it('keep the codes, systems and values they name in the Danish text', () => {
    const { text } = msg.unknownCodeSystemVersion('http://s', '3', ["'1'", "'2'"]);
    expect(text.en).toBe("A definition for CodeSystem 'http://s' version '3' could not be found, so the code cannot be validated. Valid versions: '1' or '2'");
    expect(text.da).toBe("Kodesystemet 'http://s' version '3' kendes ikke, så koden kan ikke valideres. Kendte versioner: '1' eller '2'");
  });

  it('list the valid displays with "or", in Danish "eller"', () => {
    const { text } = msg.wrongDisplay('d', 'http://s', 'c', ["'e' (en)", "'f' (de)", "'g'"], 3, 'en', false);
    expect(text.en).toBe("Wrong Display Name 'd' for http://s#c. Valid display is one of 3 choices: 'e' (en), 'f' (de) or 'g' (for the language(s) 'en')");
    expect(text.da).toBe("Forkert visningsnavn 'd' for http://s#c. Gyldigt visningsnavn er en af 3 muligheder: 'e' (en), 'f' (de) eller 'g' (for sproget/sprogene 'en')");
  });

  it('name the content mode of a code system that does not hold all its codes, in the words of HL7 for a fragment', () => {
    const unknown = "Unknown Code 'c' in the CodeSystem 'http://s' version '1' - note that the code system";
    expect(msg.unknownCodeInFragment('c', 'http://s', '1', 'fragment').text.en).toBe(`${unknown} is labeled as a fragment, so the code may be valid in some other fragment`);
    expect(msg.unknownCodeInFragment('c', 'http://s', '1', 'example').text.en).toBe(`${unknown} is labeled as an example (content = example), so the code may be valid in the full code system`);
    expect(msg.unknownCodeInFragment('c', 'http://s', '1', 'not-present').text.en).toBe(
      "Unknown Code 'c' in the CodeSystem 'http://s' version '1' - note that the code system's content is labeled as 'not-present', not complete, so the code may be valid in the full code system");
    expect(msg.unknownCodeInFragment('c', 'http://s', '1', 'example').messageId).toBe('UNKNOWN_CODE_IN_FRAGMENT');
  });

  it('name a value set given in the request without a url as the FHIR tooling does in English, and as the one in the request in Danish', () => {
    const inline = { resourceType: 'ValueSet', status: 'active' } as const;
    expect(msg.notInValueSet("'http://s#c'", inline).text).toEqual({
      en: "The provided code 'http://s#c' was not found in the value set '(unidentified)'",
      da: "Koden 'http://s#c' findes ikke i værdisættet i forespørgslen",
    });
    expect(msg.noValidCoding({ ...inline, id: 'v' }).text.da).toBe("Ingen gyldig kodning fundet for værdisættet med id 'v' (uden url)");
    expect(msg.cannotInfer('c', { ...VS, version: '2' }).text).toEqual({
      en: "The System URI could not be determined for the code 'c' in the ValueSet 'http://vs|2'",
      da: "Kodesystemet for koden 'c' kunne ikke bestemmes i værdisættet 'http://vs|2'",
    });
  });

  it('give a status in Danish words, not its code', () => {
    expect(msg.inactiveConceptAdd('retired', 'c').text.da).toBe("Begrebet 'c' har status udgået og er inaktivt, og brugen bør revurderes");
    expect(msg.deprecatedInValueSet('http://s', 'c', 'withdrawn', VS).text.da).toBe(
      "Begrebet 'c' fra kodesystemet 'http://s' har status tilbagetrukket i værdisættet 'http://vs', og brugen bør revurderes");
    expect(msg.statusReference('draft', 'CodeSystem', 'http://s|1').text.da).toBe('Henvisning til kodesystemet http://s|1, som har status kladde');
  });

  it("name a supplement's own code system and the ones used, one or several or none", () => {
    expect(msg.supplementForOtherSystem('http://sup', 'http://a|1', ['http://b|2', 'http://c']).text).toEqual({
      en: "The supplement 'http://sup' supplements the code system 'http://a|1', not any of 'http://b|2', 'http://c'",
      da: "Supplementet 'http://sup' supplerer kodesystemet 'http://a|1', ikke nogen af 'http://b|2', 'http://c'",
    });
    expect(msg.supplementForOtherSystem('http://sup', 'http://a', []).text.en).toBe("The supplement 'http://sup' supplements the code system 'http://a', which this request does not use");
  });
});

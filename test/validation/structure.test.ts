import type { App } from '../../src/app';
import { testApp } from '../support/app';
import {
  bundle, C, carePlan, careSocial, condition, CS, F, ffb, fsiii, intervention119, intervention140, PRECONDITION_DATE_140, profile, serviceRequest,
} from './fixtures';
import { OK, validateWith, type Issue } from './outcome';

// KL's structural rules, as the profiles reproduce them from KL's FSH (profiles/build/kl-structure.json): for each
// kind of rule a resource that meets it and one that does not, with the issue's expression and text.

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const validate = (body: unknown): Promise<Issue[]> => validateWith(app, body);

type Json = Record<string, unknown>;

const KL_IG: Record<string, string> = { '119': 'prevention', '140': 'rehab', care: 'gateway' };
const kl = (id: string) => `http://fhir.kl.dk/${id.startsWith('kl-reporting') ? 'ffbreporting' : KL_IG[id.split('-')[1]!]}/StructureDefinition/${id}`;

/**
 * A structure issue as the validator writes it: English and Danish, naming the rule (`patternCode`, …), our profile
 * and KL's.
 */
function structure(id: string, expression: string, en: string, da: string, rule = { en: '', da: '' }): Issue {
  return {
    severity: 'error', code: 'structure', expression: [expression],
    en: `${en} (${rule.en}from ${profile(id)}, KL profile ${kl(id)})`,
    da: `${da} (${rule.da}fra ${profile(id)}, KL-profilen ${kl(id)})`,
  };
}

const condition119 = (change: (c: Json) => void = () => undefined): Json => {
  const c = condition('klgateway-119-condition', [fsiii(C.kontinens)]);
  change(c);
  return c;
};
const detailOf = (cp: Json): Json => (cp.activity as { detail: Json }[])[0]!.detail;

describe('cardinality', () => {
  it('requires what KL requires (the §119 condition\'s recordedDate 1..1), at the element that lacks it', async () => {
    expect(await validate(condition119())).toEqual(OK);
    expect(await validate(condition119((c) => delete c.recordedDate))).toEqual([
      structure('klgateway-119-condition', 'Condition',
        'Condition.recordedDate: minimum required = 1, but only found 0',
        'Condition.recordedDate: mindst 1 påkrævet, men kun 0 fundet'),
    ]);
  });

  it('allows no more than KL allows (the §140 care plan\'s category 1..1), at the first item too many', async () => {
    const one = carePlan('klgateway-140-care-plan', [careSocial(CS.opfoelgning140)]);
    expect(await validate(one)).toEqual(OK);
    const two = { ...one, category: [{ coding: [careSocial(CS.opfoelgning140)] }, { coding: [careSocial(CS.opfoelgning140)] }] };
    expect(await validate(two)).toEqual([
      structure('klgateway-140-care-plan', 'CarePlan.category[1]',
        'CarePlan.category: maximum allowed = 1, but found 2',
        'CarePlan.category: højst 1 tilladt, men 2 fundet'),
    ]);
  });
});

describe('prohibited elements (0..0)', () => {
  it('reports an element KL prohibits (note in a §119 planned intervention), and a prohibited choice (scheduled[x]) whatever its type', async () => {
    const cp = intervention119([fsiii(C.kostvejledning)], { basedOn: true });
    expect(await validate(cp)).toEqual(OK);
    const withNote = { ...cp, note: [{ text: 'ring først' }] };
    expect(await validate(withNote)).toEqual([
      structure('klgateway-119-planned-intervention', 'CarePlan.note[0]',
        'CarePlan.note: the element is not allowed (maximum 0), but found 1',
        'CarePlan.note: elementet er ikke tilladt (højst 0), men 1 fundet'),
    ]);
    const scheduled = intervention119([fsiii(C.kostvejledning)], { basedOn: true });
    detailOf(scheduled).scheduledString = 'hver mandag';
    expect(await validate(scheduled)).toEqual([
      structure('klgateway-119-planned-intervention', 'CarePlan.activity[0].detail.scheduledString',
        'CarePlan.activity.detail.scheduled[x]: the element is not allowed (maximum 0), but found 1',
        'CarePlan.activity.detail.scheduled[x]: elementet er ikke tilladt (højst 0), men 1 fundet'),
    ]);
  });
});

describe('fixed and pattern values', () => {
  // KL assigns with `=` (a pattern) throughout; fixed values are the systems of the code slices (a wrong system is
  // another slice, see the closed slicing) and are checked as in engine.test.ts
  it('requires KL\'s pattern values (category.coding.code = #problem-list-item, intent = #plan)', async () => {
    const category = (code: string) => condition119((c) => {
      c.category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code }] }];
    });
    expect(await validate(category('problem-list-item'))).toEqual(OK);
    expect(await validate(category('encounter-diagnosis'))).toEqual([{
      ...structure('klgateway-119-condition', 'Condition.category[0].coding[0].code',
        "Condition.category.coding.code: the value must be 'problem-list-item', not 'encounter-diagnosis'",
        "Condition.category.coding.code: værdien skal være 'problem-list-item', ikke 'encounter-diagnosis'",
        { en: 'patternCode ', da: 'patternCode ' }),
      code: 'value',
    }]);
    const order = { ...intervention119([fsiii(C.kostvejledning)], { basedOn: true }), intent: 'order' };
    expect((await validate(order)).map((i) => [i.expression, i.en.split(' (')[0]])).toEqual([
      [['CarePlan.intent'], "CarePlan.intent: the value must be 'plan', not 'order'"],
    ]);
  });
});

describe('Reference targets', () => {
  it('checks the type a reference names (relative or absolute url, or its type) against KL\'s target', async () => {
    for (const subject of [{ reference: 'Patient/borger-1' }, { reference: 'https://kommune.example/fhir/Patient/7' }, { identifier: { value: 'x' } }]) {
      expect(await validate(condition119((c) => { c.subject = subject; }))).toEqual(OK);
    }
    expect(await validate(condition119((c) => { c.subject = { reference: 'Group/hold-3' }; }))).toEqual([
      structure('klgateway-119-condition', 'Condition.subject',
        'Condition.subject: the reference must point to Patient, not Group',
        'Condition.subject: referencen skal pege på Patient, ikke Group',
        { en: 'Reference(Patient) ', da: 'Reference(Patient) ' }),
    ]);
    const logical = await validate(condition119((c) => { c.subject = { type: 'Group', identifier: { value: 'x' } }; }));
    expect(logical.map((i) => i.expression)).toEqual([['Condition.subject']]);
  });

  it('resolves a target that is one of these profiles to its type (basedOn → the §119 care plan, a CarePlan)', async () => {
    const cp = intervention119([fsiii(C.kostvejledning)], { basedOn: true });
    cp.basedOn = [{ reference: 'ServiceRequest/henvisning-1' }];
    expect((await validate(cp)).map((i) => [i.expression, i.en.split(' (')[0]])).toEqual([
      [['CarePlan.basedOn[0]'], 'CarePlan.basedOn: the reference must point to CarePlan, not ServiceRequest'],
    ]);
  });

  it('in a Bundle, resolves a fullUrl to the entry\'s resource type', async () => {
    const group = { resourceType: 'Group', type: 'person', actual: true };
    const patient = { resourceType: 'Patient' };
    const pointingAtEntry0 = condition119((c) => { c.subject = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }; });
    expect(await validate(bundle('collection', [patient, pointingAtEntry0]))).toEqual(OK);
    expect((await validate(bundle('collection', [group, pointingAtEntry0]))).map((i) => [i.expression, i.en.split(' (')[0]])).toEqual([
      [['Bundle.entry[1].resource.subject'], 'Condition.subject: the reference must point to Patient, not Group'],
    ]);
  });

  it('checks the target inside an extension KL defines (basedOnServiceRequest → ServiceRequest)', async () => {
    const cp = (reference: string) => ({
      ...intervention119([fsiii(C.kostvejledning)], { basedOn: true }),
      extension: [{ url: 'http://fhir.kl.dk/prevention/StructureDefinition/BasedOnServiceRequestExtension', valueReference: { reference } }],
    });
    expect(await validate(cp('ServiceRequest/henvisning-1'))).toEqual(OK);
    expect((await validate(cp('CarePlan/forloeb-1'))).map((i) => [i.expression, i.en.split(' (')[0]])).toEqual([
      [['CarePlan.extension[0].valueReference'], 'CarePlan.extension:basedOnServiceRequest.value[x]: the reference must point to ServiceRequest, not CarePlan'],
    ]);
  });

  it('in a Bundle, resolves a relative reference against the base of the referring entry\'s RESTful fullUrl', async () => {
    const entries = bundle('collection', [condition119((c) => { c.id = 'c1'; }), { resourceType: 'Patient' }]) as { entry: Json[] };
    entries.entry[0]!.fullUrl = 'https://kommune.example/fhir/Condition/c1';
    entries.entry[1]!.fullUrl = 'https://kommune.example/fhir/Patient/borger-1';
    expect(await validate(entries)).toEqual(OK);
    entries.entry[1]!.resource = { resourceType: 'Group', type: 'person', actual: true };
    expect((await validate(entries)).map((i) => i.expression)).toEqual([['Bundle.entry[0].resource.subject']]);
  });

  it('in a Bundle, requires a `bundled` reference to point to another entry', async () => {
    const c = condition119();
    expect(await validate(bundle('collection', [c, { resourceType: 'Patient', id: 'borger-1' }]))).toEqual(OK);
    expect(await validate(bundle('collection', [c]))).toEqual([
      structure('klgateway-119-condition', 'Bundle.entry[0].resource.subject',
        "Condition.subject: the reference 'Patient/borger-1' must point to another entry of the Bundle",
        "Condition.subject: referencen 'Patient/borger-1' skal pege på en anden ressource i samme Bundle",
        { en: 'aggregation bundled ', da: 'aggregering bundled ' }),
    ]);
  });
});

describe('slicing', () => {
  // kl-ffb-reporting depends on KL core 1.2.0, whose ConditionLastAssertedDate this is (dk-core 1.1.0 has none)
  const LAST_ASSERTED = 'http://fhir.kl.dk/core/StructureDefinition/ConditionLastAssertedDate';
  const ffbCondition = (extension: Json[]) => ({ ...condition('kl-reporting-ffb-condition', [ffb(F.stemmeOgTale)]), extension });

  it('closed (the FFB condition\'s extensions): only KL\'s slices are allowed', async () => {
    expect(await validate(ffbCondition([{ url: LAST_ASSERTED, valueDateTime: '2026-01-05' }]))).toEqual(OK);
    expect(await validate(ffbCondition([{ url: 'http://example.org/note', valueString: 'x' }]))).toEqual([
      structure('kl-reporting-ffb-condition', 'Condition.extension[0]',
        `The url 'http://example.org/note' is not allowed in Condition.extension, which is closed to the slices conditionLastAssertedDate (${LAST_ASSERTED})`,
        `url 'http://example.org/note' er ikke tilladt i Condition.extension, som kun tillader udsnittene conditionLastAssertedDate (${LAST_ASSERTED})`),
    ]);
  });

  it('open (the §119 planned intervention\'s extensions): another extension is allowed beside KL\'s slices (a warning that it is not known here)', async () => {
    const cp = { ...intervention119([fsiii(C.kostvejledning)], { basedOn: true }), extension: [{ url: 'http://example.org/note', valueString: 'x' }] };
    expect((await validate(cp)).map((i) => [i.severity, i.expression, i.en.slice(0, 70)])).toEqual([
      ['warning', ['CarePlan.extension[0]'], "The extension 'http://example.org/note' is not known to this server, s"],
    ]);
  });
});

describe('required extensions', () => {
  const rehabPlan = (extension?: Json[]) => {
    const sr = serviceRequest('klgateway-140-servicerequest', [careSocial(CS.genoptraening)], [[careSocial(CS.almen)]]);
    if (extension?.length === 0) delete sr.extension;
    else if (extension) sr.extension = extension;
    return sr;
  };

  it('requires the §140 rehabilitation plan\'s discharge date (PreconditionDate 1..1) with a date value', async () => {
    expect(await validate(rehabPlan())).toEqual(OK);
    expect(await validate(rehabPlan([]))).toEqual([
      structure('klgateway-140-servicerequest', 'ServiceRequest',
        'ServiceRequest.extension:dischargeDate: minimum required = 1, but only found 0',
        'ServiceRequest.extension:dischargeDate: mindst 1 påkrævet, men kun 0 fundet'),
    ]);
    expect(await validate(rehabPlan([{ url: PRECONDITION_DATE_140, valueString: 'i morgen' }]))).toEqual([
      structure('klgateway-140-servicerequest', 'ServiceRequest.extension[0].valueString',
        'ServiceRequest.extension:dischargeDate.value[x]: the type must be date, not valueString',
        'ServiceRequest.extension:dischargeDate.value[x]: typen skal være date, ikke valueString'),
    ]);
  });
});

describe('extension cardinality', () => {
  it('allows one delivery type in a §119 planned intervention (1..1) and several in a §140 one (1..*)', async () => {
    const twice = (cp: Json) => {
      const ext = detailOf(cp).extension as Json[];
      detailOf(cp).extension = [ext[0]!, { ...ext[0]!, valueCodeableConcept: { coding: [careSocial(CS.gruppe)] } }];
      return cp;
    };
    expect(await validate(twice(intervention140([fsiii(C.fysiskTraening140)], { basedOn: true })))).toEqual(OK);
    expect(await validate(twice(intervention119([fsiii(C.kostvejledning)], { basedOn: true })))).toEqual([
      structure('klgateway-119-planned-intervention', 'CarePlan.activity[0].detail.extension[1]',
        'CarePlan.activity.detail.extension:deliveryType: maximum allowed = 1, but found 2',
        'CarePlan.activity.detail.extension:deliveryType: højst 1 tilladt, men 2 fundet'),
    ]);
  });
});

describe('choice types', () => {
  const withOccurrence = (occurrence: Json) => ({ ...serviceRequest('klgateway-140-servicerequest', [careSocial(CS.genoptraening)], [[careSocial(CS.almen)]]), ...occurrence });

  it('allows only the types KL leaves (occurrence[x]: Period, with a start and no end)', async () => {
    expect(await validate(withOccurrence({ occurrencePeriod: { start: '2026-02-01' } }))).toEqual(OK);
    expect((await validate(withOccurrence({ occurrenceDateTime: '2026-02-01' }))).map((i) => [i.expression, i.en.split(' (')[0]])).toEqual([
      [['ServiceRequest.occurrenceDateTime'], 'ServiceRequest.occurrence[x]: the type must be Period, not occurrenceDateTime'],
    ]);
    expect((await validate(withOccurrence({ occurrencePeriod: { start: '2026-02-01', end: '2026-03-01' } }))).map((i) => [i.expression, i.en.split(' (')[0]])).toEqual([
      [['ServiceRequest.occurrencePeriod.end'], 'ServiceRequest.occurrence[x].end: the element is not allowed'],
    ]);
  });
});

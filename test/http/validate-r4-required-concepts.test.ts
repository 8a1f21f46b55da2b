/**
 * $validate checks the CodeableConcept elements FHIR R4 binds to a value set with strength required
 * (`Condition.clinicalStatus` to ConditionClinicalStatusCodes, `Condition.verificationStatus`,
 * `AllergyIntolerance.clinicalStatus`, …), as HL7's validator and KL's gateway do: without a coding of the value set
 * (its system and code) it is an error (code-invalid) at the element, and a coding of the value set's system with a
 * code it has not an error at that coding, in Danish with the English as its translation, whatever profile the
 * resource claims; what a profile already refused is said once.
 */
import request from 'supertest';
import type { App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { testApp } from '../support/app';
import { OK, validateWith, type Issue, errorsOf, klExample } from '../validation/outcome';

let app: App;
beforeAll(async () => {
  app = await testApp({}, { store: new MemoryStore([]) });
});

const validate = (body: unknown, url?: string): Promise<Issue[]> => validateWith(app, body, url);
const fixture = klExample;

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VS = "'ConditionClinicalStatusCodes' (http://hl7.org/fhir/ValueSet/condition-clinical)";
const translation = (en: string) => ({
  extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/translation', extension: [{ url: 'lang', valueCode: 'en' }, { url: 'content', valueString: en }] }],
});
const condition = (clinicalStatus: unknown) => ({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus });

describe('$validate of a CodeableConcept without a coding of the value set R4 requires', () => {
  it('Condition.clinicalStatus bogus: errors at the element and at the coding, the Danish text first', async () => {
    const res = await request(app).post('/fhir/Condition/$validate').set('Content-Type', 'application/fhir+json')
      .send(condition({ coding: [{ system: CLINICAL, code: 'bogus' }] })).expect(200);
    const notInVs = { coding: [{ system: 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type', code: 'not-in-vs' }] };
    expect(res.body.issue).toEqual([
      {
        severity: 'error', code: 'code-invalid',
        details: {
          ...notInVs,
          text: `Ingen af de angivne kodninger findes i værdisættet ${VS}, som FHIR R4 kræver for Condition.clinicalStatus (koder = ${CLINICAL}#bogus)`,
          _text: translation(`None of the codings provided are in the value set ${VS}, which FHIR R4 requires for Condition.clinicalStatus (codes = ${CLINICAL}#bogus)`),
        },
        location: ['Condition.clinicalStatus'], expression: ['Condition.clinicalStatus'],
      },
      {
        severity: 'error', code: 'code-invalid',
        details: {
          ...notInVs,
          text: `Koden '${CLINICAL}#bogus' findes ikke i værdisættet ${VS}, som FHIR R4 kræver for Condition.clinicalStatus`,
          _text: translation(`The code '${CLINICAL}#bogus' is not in the value set ${VS}, which FHIR R4 requires for Condition.clinicalStatus`),
        },
        location: ['Condition.clinicalStatus.coding[0]'], expression: ['Condition.clinicalStatus.coding[0]'],
      },
    ]);
    expect(await validate(condition({ coding: [{ system: CLINICAL, code: 'active' }] }), '/fhir/Condition/$validate')).toEqual(OK);
  });

  it('text only, and a coding of another system only', async () => {
    expect(errorsOf(await validate(condition({ text: 'aktiv' }), '/fhir/Condition/$validate')).map((i) => [i.expression, i.en])).toEqual([
      [['Condition.clinicalStatus'], `No code provided, and FHIR R4 requires a code from the value set ${VS} for Condition.clinicalStatus`],
    ]);
    const other = condition({ coding: [{ system: 'http://snomed.info/sct', code: '55561003' }] });
    expect(errorsOf(await validate(other, '/fhir/Condition/$validate')).map((i) => [i.code, i.expression])).toEqual([['code-invalid', ['Condition.clinicalStatus']]]);
  });

  it("KL's care delivery report with a Condition's clinicalStatus bogus: refused, where the valid report has no error", async () => {
    const report = fixture('kl-gateway/0c1112c3-77b5-4d85-965c-0c26228ec7ef.json');
    expect(errorsOf(await validate(report))).toEqual([]);
    const entry = report.entry.findIndex((e: any) => e.resource.resourceType === 'Condition');
    report.entry[entry].resource.clinicalStatus.coding[0].code = 'bogus';
    expect(entry).toBe(1);
    expect(errorsOf(await validate(report)).map((i) => [i.code, i.expression])).toEqual([
      ['code-invalid', ['Bundle.entry[1].resource.clinicalStatus']],
      ['code-invalid', ['Bundle.entry[1].resource.clinicalStatus.coding[0]']],
    ]);
  });
});

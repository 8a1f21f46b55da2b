/**
 * $validate checks the code of every `code` element FHIR R4 binds to a value set with strength required
 * (`CarePlan.status` to RequestStatus, `CarePlan.activity.detail.status`, `Identifier.use`, …), as HL7's validator
 * and KL's gateway do: a code not in it is an error (code-invalid) at the element, in Danish with the English as its
 * translation, whatever profile the resource claims; what the schema or a profile already refused is said once.
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

const REQUEST_STATUS = "'RequestStatus' (http://hl7.org/fhir/ValueSet/request-status)";

describe('$validate of a code not in the value set R4 requires', () => {
  it('CarePlan.status bogus: an error at CarePlan.status, the Danish text first', async () => {
    const res = await request(app).post('/fhir/CarePlan/$validate').set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'CarePlan', status: 'bogus', intent: 'plan', subject: { reference: 'Patient/1' } }).expect(200);
    expect(res.body.issue).toEqual([{
      severity: 'error', code: 'code-invalid',
      details: {
        coding: [{ system: 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type', code: 'not-in-vs' }],
        text: `Værdien 'bogus' findes ikke i værdisættet ${REQUEST_STATUS}, som FHIR R4 kræver for CarePlan.status`,
        _text: {
          extension: [{
            url: 'http://hl7.org/fhir/StructureDefinition/translation',
            extension: [
              { url: 'lang', valueCode: 'en' },
              { url: 'content', valueString: `The value 'bogus' is not in the value set ${REQUEST_STATUS}, which FHIR R4 requires for CarePlan.status` },
            ],
          }],
        },
      },
      location: ['CarePlan.status'], expression: ['CarePlan.status'],
    }]);
    expect(await validate({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' } }, '/fhir/CarePlan/$validate')).toEqual(OK);
  });

  it("a KL gateway CarePlan (Dialyse) with status bogus: the error beside the profile's findings", async () => {
    const dialyse = fixture('kl-gateway/Dialyse.json');
    const before = await validate(dialyse);
    expect(errorsOf(before)).toEqual([]);
    dialyse.status = 'bogus';
    expect(await validate(dialyse)).toEqual([
      ...before,
      {
        severity: 'error', code: 'code-invalid', tx: 'not-in-vs', expression: ['CarePlan.status'],
        da: `Værdien 'bogus' findes ikke i værdisættet ${REQUEST_STATUS}, som FHIR R4 kræver for CarePlan.status`,
        en: `The value 'bogus' is not in the value set ${REQUEST_STATUS}, which FHIR R4 requires for CarePlan.status`,
      },
    ]);
  });

  it("in a Bundle's entries: KL's report with a CarePlan's status and a Patient's identifier use wrong, each said once", async () => {
    const report = fixture('kl-gateway-prevention/BrunoIndberetningsrapport.json');
    expect(report.entry[0].resource.resourceType).toBe('Patient');
    expect(report.entry[5].resource.resourceType).toBe('CarePlan');
    report.entry[0].resource.identifier[0].use = 'primary';
    report.entry[5].resource.status = 'finished';
    expect(errorsOf(await validate(report)).map((i) => [i.code, i.expression])).toEqual([
      // Identifier.use is one of the elements whose codes the JSON schema lists itself: its issue, not a second one
      ['structure', ['Bundle.entry[0].resource.identifier[0].use']],
      ['code-invalid', ['Bundle.entry[5].resource.status']],
    ]);
  });

  it('each code of a list, and in a contained resource', async () => {
    const location = {
      resourceType: 'Location', hoursOfOperation: [{ daysOfWeek: ['mon', 'man', 'tue'] }],
      endpoint: [{ reference: '#s' }],
      contained: [{ resourceType: 'ServiceRequest', id: 's', status: 'done', intent: 'order', subject: { reference: 'Patient/1' } }],
    };
    const errors = errorsOf(await validate(location));
    expect(errors.map((i) => [i.code, i.expression])).toEqual([
      ['code-invalid', ['Location.hoursOfOperation[0].daysOfWeek[1]']],
      ['code-invalid', ['Location.contained[0].status']],
    ]);
    expect(errors[0]!.en).toBe("The value 'man' is not in the value set 'DaysOfWeek' (http://hl7.org/fhir/ValueSet/days-of-week), which FHIR R4 requires for Location.hoursOfOperation.daysOfWeek");
  });
});

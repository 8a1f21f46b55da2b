/**
 * FHIR R4's own cardinality: an element R4 requires (min 1) is reported when it is missing, whether or not a profile
 * constrains it, for the resource, each backbone element present and each data type with required elements
 * (Extension.url, Narrative.status). The JSON schema requires only complex elements: those it reports are not
 * reported twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type App } from '../../src/app';
import { checkBaseElements } from '../../src/fhir/base-elements';
import type { ValidationIssue } from '../../src/profile-validation/messages';
import { MemoryStore } from '../../src/store/memory-store';
import { testApp } from '../support/app';
import { OK, validateWith, type Issue, errorsOf } from './outcome';

let app: App;
beforeAll(async () => {
  app = await testApp({}, { store: new MemoryStore([]) });
});

const validate = (body: unknown, url?: string): Promise<Issue[]> => validateWith(app, body, url);

function missing(expression: string, name = expression.slice(expression.lastIndexOf('.') + 1)): Issue {
  return {
    severity: 'error', code: 'required', expression: [expression],
    da: `Elementet '${name}' mangler (FHIR R4 kræver mindst 1)`,
    en: `Element '${name}' is missing (FHIR R4 requires at least 1)`,
  };
}

const REPORT = path.join(__dirname, '..', 'fixtures', 'kl-examples', 'kl-gateway-prevention', 'BrunoIndberetningsrapport.json');
const report = () => JSON.parse(fs.readFileSync(REPORT, 'utf8')) as { type?: string; entry: { resource: Record<string, any> }[] };

describe('required elements of FHIR R4', () => {
  it('a CarePlan without status and intent', async () => {
    expect(await validate({ resourceType: 'CarePlan', subject: { reference: 'Patient/1' } }, '/fhir/CarePlan/$validate'))
      .toEqual([missing('CarePlan.status'), missing('CarePlan.intent')]);
  });

  it('an Observation without status', async () => {
    expect(await validate({ resourceType: 'Observation', code: { text: 'x' } })).toEqual([missing('Observation.status')]);
  });

  it('a Bundle without type', async () => {
    expect(await validate({ resourceType: 'Bundle' })).toEqual([missing('Bundle.type')]);
  });

  it("a complex element the schema requires is reported once, by the schema", async () => {
    const errors = errorsOf(await validate({ resourceType: 'Condition' }));
    expect(errors.map((e) => [e.code, e.expression])).toEqual([['structure', ['Condition']]]);
    expect(errors[0]!.en).toBe("Not valid FHIR R4: must have required property 'subject'");
  });

  it("KL's report without status, intent, activity.detail.status and Bundle.type: each at its element", async () => {
    const b = report();
    delete b.type;
    delete b.entry[4]!.resource.status;
    delete b.entry[4]!.resource.intent;
    delete b.entry[8]!.resource.status;
    delete b.entry[8]!.resource.intent;
    delete b.entry[8]!.resource.activity[0].detail.status;
    expect(errorsOf(await validate(b))).toEqual([
      missing('Bundle.type'),
      missing('Bundle.entry[4].resource.status'),
      missing('Bundle.entry[4].resource.intent'),
      missing('Bundle.entry[8].resource.status'),
      missing('Bundle.entry[8].resource.intent'),
      missing('Bundle.entry[8].resource.activity[0].detail.status'),
    ]);
  });

  it('a required primitive given only by its extension (`_status`) is present', async () => {
    const b = report();
    const cp = b.entry[8]!.resource;
    delete cp.status;
    cp._status = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    expect(errorsOf(await validate(b))).toEqual([]);
    expect(await validate({ resourceType: 'Observation', _status: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }, code: { text: 'x' } })).toEqual(OK);
  });

  it('a choice element (Group.characteristic.value[x]): any of its types is it', async () => {
    const group = (c: Record<string, unknown>) => ({ resourceType: 'Group', type: 'person', actual: true, characteristic: [{ code: { text: 'c' }, exclude: false, ...c }] });
    expect(await validate(group({ valueBoolean: true }))).toEqual(OK);
    expect(await validate(group({ valueCodeableConcept: { text: 'x' } }))).toEqual(OK);
    expect(await validate(group({ _valueBoolean: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } }))).toEqual(OK);
    expect(await validate(group({}))).toEqual([missing('Group.characteristic[0].value', 'value[x]')]);
  });

  it("a data type chosen in a choice element is checked: Signature.when in an extension's valueSignature", async () => {
    const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, extension: [{ url: 'http://e/x', valueSignature: { type: [{ code: 'x' }], who: { reference: 'Patient/1' } } }] };
    expect(errorsOf(await validate(observation))).toEqual([missing('Observation.extension[0].valueSignature.when')]);
  });

  it('inside data types: Extension.url and Narrative.status, also in a primitive\'s extensions and in contained resources', async () => {
    const cp = {
      resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' },
      text: { div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      _status: { extension: [{ valueString: 'x' }] },
      contained: [{ resourceType: 'Observation', id: 'o', code: { text: 'x' } }], supportingInfo: [{ reference: '#o' }],
      activity: [{ detail: { status: 'completed', extension: [{ url: 'http://e/x', extension: [{ valueCode: 'x' }] }] } }, { reference: { reference: 'ServiceRequest/1' } }],
    };
    expect(errorsOf(await validate(cp))).toEqual([
      missing('CarePlan.text.status'),
      missing('CarePlan.status.extension[0].url'),
      missing('CarePlan.activity[0].detail.extension[0].extension[0].url'),
      missing('CarePlan.contained[0].status'),
    ]);
  });
});

describe('checkBaseElements', () => {
  it("leaves out what a profile already reported missing", () => {
    const profileIssue: ValidationIssue = {
      severity: 'error', code: 'structure', expression: ['Bundle.entry[2].resource.activity[0].detail'],
      text: { en: 'CarePlan.activity.detail.status: minimum required = 1, but only found 0 (from x)', da: 'x' },
    };
    const cp = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {}, activity: [{ detail: {} }, { detail: {} }] };
    expect(checkBaseElements(cp, 'CarePlan', 'Bundle.entry[2].resource', [profileIssue]).map((i) => i.expression))
      .toEqual([['Bundle.entry[2].resource.activity[1].detail.status']]);
  });

  it('reports ext-1 of an extension with neither a value nor extensions, unless a profile already did', () => {
    const cp = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {}, extension: [{ url: 'http://e/a' }, { url: 'http://e/b' }] };
    const profileIssue: ValidationIssue = {
      severity: 'error', code: 'invariant', messageId: 'ext-1', expression: ['CarePlan.extension[0]'], text: { en: 'Constraint failed: ext-1', da: 'x' },
    };
    expect(checkBaseElements(cp, 'CarePlan', 'CarePlan', [profileIssue]).map((i) => [i.messageId, i.expression])).toEqual([['ext-1', ['CarePlan.extension[1]']]]);
  });
});

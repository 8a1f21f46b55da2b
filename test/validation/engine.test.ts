import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StructureDefinition } from 'fhir/r4';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { compileInvariant, runInvariant } from '../../src/profile-validation/invariant-evaluator';
import { primaryLanguage, type ValidationIssue } from '../../src/profile-validation/messages';
import { loadProfiles } from '../../src/profile-validation/profile-registry';
import { SubmissionValidator } from '../../src/profile-validation/validator';
import { publishedRegistry } from '../support/catalogs';
import { FSIII } from './fixtures';

const registry = publishedRegistry();
const schema = new FhirSchemaValidator();
const URL = 'http://example.org/StructureDefinition/test-condition';
const SEVERITIES = 'http://fhir.kl.dk/term/ValueSet/KLSeveritiesFSIII';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';

/** A profile using what the shipped profiles do not: extensible, preferred and unknown bindings, patterns, element invariants. */
const testProfile: StructureDefinition = {
  resourceType: 'StructureDefinition', id: 'test-condition', url: URL, version: '1', name: 'TestCondition', status: 'draft',
  fhirVersion: '4.0.1', kind: 'resource', abstract: false, type: 'Condition',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Condition', derivation: 'constraint',
  differential: {
    element: [
      { id: 'Condition', path: 'Condition', constraint: [{ key: 'test-1', severity: 'warning', human: 'A note or a severity', expression: "severity.coding.code = 'x' or note.exists()" }] },
      { id: 'Condition.category', path: 'Condition.category', patternCodeableConcept: { coding: [{ system: CATEGORY, code: 'problem-list-item' }] } },
      { id: 'Condition.severity', path: 'Condition.severity', binding: { strength: 'extensible', valueSet: SEVERITIES } },
      { id: 'Condition.code', path: 'Condition.code', binding: { strength: 'preferred', valueSet: 'http://fhir.kl.dk/term/ValueSet/KLConditionCodesHomeCare' } },
      { id: 'Condition.code.coding', path: 'Condition.code.coding', constraint: [{ key: 'test-2', severity: 'error', human: 'Codings have a system', expression: 'system.exists()' }] },
      { id: 'Condition.bodySite', path: 'Condition.bodySite', binding: { strength: 'required', valueSet: 'http://example.org/ValueSet/unknown' } },
      { id: 'Condition.clinicalStatus.coding.system', path: 'Condition.clinicalStatus.coding.system', fixedUri: 'http://terminology.hl7.org/CodeSystem/condition-clinical' },
    ],
  },
};

let validator: SubmissionValidator;
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-test-profile-'));
  fs.writeFileSync(path.join(dir, 'test.json'), JSON.stringify(testProfile));
  validator = new SubmissionValidator(loadProfiles(dir, schema), schema);
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = () => ({
  resourceType: 'Condition', meta: { profile: [URL] }, subject: { reference: 'Patient/1' },
  category: [{ coding: [{ system: CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: FSIII, code: 'not-checked-preferred' }] },
  note: [{ text: 'x' }],
});

const run = (resource: Record<string, unknown>): Promise<ValidationIssue[]> => validator.validate({ resource, registry });
const brief = (issues: ValidationIssue[]) => issues.map((i) => [i.severity, i.code, i.expression, i.messageId ?? i.txIssueType]);

describe('the profile checker', () => {
  it('does not check preferred bindings, and accepts a resource that matches patterns and fixed values', async () => {
    expect(await run(base())).toEqual([]);
  });

  it('makes a code outside an extensible binding a warning, but an unknown code in a known system still an error', async () => {
    expect(brief(await run({ ...base(), severity: { coding: [{ system: 'http://example.org/sev', code: 'high' }] } }))).toEqual([
      ['information', 'code-invalid', ['Condition.severity.coding[0]'], 'this-code-not-in-vs'],
      ['warning', 'not-found', ['Condition.severity.coding[0]'], 'not-found'],
      ['warning', 'code-invalid', ['Condition.severity'], 'not-in-vs'],
    ]);
    expect(brief(await run({ ...base(), severity: { coding: [{ system: FSIII, code: 'nope' }] } }))).toEqual([
      ['information', 'code-invalid', ['Condition.severity.coding[0]'], 'this-code-not-in-vs'],
      ['error', 'code-invalid', ['Condition.severity.coding[0]'], 'invalid-code'],
      ['warning', 'code-invalid', ['Condition.severity'], 'not-in-vs'],
    ]);
  });

  it('makes a legacy key a warning naming the UUID in an extensible or preferred binding (an error only in a required one)', async () => {
    const issues = await run({ ...base(), severity: { coding: [{ system: FSIII, code: 'B2' }] }, code: { coding: [{ system: FSIII, code: 'J1.1' }] } });
    expect(brief(issues)).toEqual([
      ['warning', 'business-rule', ['Condition.severity.coding[0]'], 'code-rule'],
      ['warning', 'business-rule', ['Condition.code.coding[0]'], 'code-rule'],
    ]);
    expect(issues.map((i) => i.text.en)).toEqual([
      "The code 'B2' is a legacy key of urn:oid:1.2.208.176.2.21; use the code 'fcc16cb1-41f0-4832-b834-110fba0aaabe' (1) instead",
      "The code 'J1.1' is a legacy key of urn:oid:1.2.208.176.2.21; use the code '4d46bd94-9518-431c-82e8-ebb91bca307a' (Vaske sig) instead",
    ]);
  });

  it('reports a pattern and a fixed value that are not met', async () => {
    const issues = await run({
      ...base(),
      category: [{ coding: [{ system: CATEGORY, code: 'encounter-diagnosis' }] }],
      clinicalStatus: { coding: [{ system: 'http://example.org/status', code: 'active' }] },
    });
    expect(brief(issues)).toEqual([
      ['error', 'value', ['Condition.category[0]'], undefined],
      ['error', 'value', ['Condition.clinicalStatus.coding[0].system'], undefined],
    ]);
    expect(issues[1]!.text.en).toBe(`Condition.clinicalStatus.coding.system: the value must be 'http://terminology.hl7.org/CodeSystem/condition-clinical', not 'http://example.org/status' (fixedUri from ${URL})`);
    expect(issues[1]!.text.da).toBe(`Condition.clinicalStatus.coding.system: værdien skal være 'http://terminology.hl7.org/CodeSystem/condition-clinical', ikke 'http://example.org/status' (fixedUri fra ${URL})`);
  });

  it('evaluates element invariants on each element, and counts an empty result as not met', async () => {
    const issues = await run({ ...base(), note: undefined, code: { coding: [{ code: 'a' }, { system: FSIII, code: 'b' }] } });
    expect(brief(issues)).toEqual([
      ['error', 'invariant', ['Condition.code.coding[0]'], 'test-2'],
      ['warning', 'invariant', ['Condition'], 'test-1'],
    ]);
  });

  it('warns when a bound ValueSet is not known to the server', async () => {
    const issues = await run({ ...base(), bodySite: [{ coding: [{ system: FSIII, code: 'x' }] }] });
    expect(issues).toEqual([{
      severity: 'warning', code: 'not-found', txIssueType: 'not-found', expression: ['Condition.bodySite[0]'],
      text: {
        en: "The ValueSet 'http://example.org/ValueSet/unknown' bound to Condition.bodySite is not known to this server, so the code was not checked",
        da: "Værdisættet 'http://example.org/ValueSet/unknown', som Condition.bodySite er bundet til, kendes ikke af serveren, så koden er ikke kontrolleret",
      },
    }]);
  });
});

describe('memberOf() in invariants', () => {
  const member = (expression: string, resource: unknown) =>
    runInvariant(compileInvariant({ key: 'm', severity: 'error', expression, human: 'm', humanDa: 'm', source: URL }), resource, registry).ok;
  const cond = (coding: object[]) => ({ resourceType: 'Condition', code: { coding } });

  it('answers for a CodeableConcept (any coding), a Coding and a plain code from the server\'s own value sets', () => {
    expect(member(`code.memberOf('${SEVERITIES}')`, cond([{ system: 'x', code: 'y' }, { system: FSIII, code: 'B2' }]))).toBe(true);
    expect(member(`code.memberOf('${SEVERITIES}').not()`, cond([{ system: FSIII, code: 'H1.1' }]))).toBe(true);
    expect(member(`code.coding.first().memberOf('${SEVERITIES}')`, cond([{ system: FSIII, code: 'B2' }]))).toBe(true);
    expect(member(`code.coding.first().code.memberOf('${SEVERITIES}')`, cond([{ system: FSIII, code: 'B2' }]))).toBe(true);
  });

  it('is empty (so the invariant fails) for several items or an unknown value set', () => {
    expect(member(`code.coding.memberOf('${SEVERITIES}')`, cond([{ system: FSIII, code: 'B2' }, { system: FSIII, code: 'B3' }]))).toBe(false);
    expect(member("code.memberOf('http://example.org/ValueSet/none')", cond([{ system: FSIII, code: 'B2' }]))).toBe(false);
  });
});

describe('the language of the issues', () => {
  it('is Danish unless the caller prefers English to Danish', () => {
    expect(primaryLanguage([])).toBe('da');
    expect(primaryLanguage(['da', 'en'])).toBe('da');
    expect(primaryLanguage(['en-US'])).toBe('en');
    expect(primaryLanguage(['de'])).toBe('da');
    expect(primaryLanguage(['de', 'en'])).toBe('en');
    expect(primaryLanguage(['de', 'da', 'en'])).toBe('da');
  });
});
